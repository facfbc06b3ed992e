package dev.agentsandbox.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * overlayfs's whiteouts: a 0:0 character device in a layer hides the path in every layer beneath.
 * Java cannot make device nodes, so a shell loop over mknod(1) makes them, the paths passed as
 * arguments (any byte but NUL). Linux allows any user this one device since 5.8.
 */
public final class Whiteouts {
    private static final int BATCH = 500;

    private Whiteouts() {
    }

    /** Makes a whiteout at each path under {@code layer}, the folders above it as plain folders; false when refused. */
    static boolean make(Path layer, Collection<String> paths) throws IOException, InterruptedException {
        List<String> batch = new ArrayList<>();
        for (String p : paths) {
            Path w = layer.resolve(p);
            WorkspaceExporter.createParents(layer, w.getParent());
            batch.add(w.toString()); // absolute: never taken for an option
            if (batch.size() == BATCH && !mknod(batch)) {
                return false;
            }
        }
        return batch.isEmpty() || mknod(batch);
    }

    /** Whether a whiteout in {@code layer} hides {@code rel} (or a folder above it) from the layers beneath. */
    public static boolean hides(Path layer, String rel) {
        Path p = layer;
        for (Path part : Path.of(rel)) {
            p = p.resolve(part.toString());
            if (is(p)) {
                return true;
            }
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return false;
    }

    /** Whether {@code p} is a whiteout (never following a link). */
    static boolean is(Path p) {
        try {
            return FileStat.of(p).type() == FileStat.S_IFCHR
                    && ((Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS)) == 0L;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean mknod(List<String> batch) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "for p; do mknod \"$p\" c 0 0 || exit 1; done", "sh"));
        command.addAll(batch);
        batch.clear();
        Process proc = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        proc.getOutputStream().close();
        if (!proc.waitFor(60, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            return false;
        }
        return proc.exitValue() == 0;
    }
}
