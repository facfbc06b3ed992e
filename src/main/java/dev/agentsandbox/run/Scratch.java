package dev.agentsandbox.run;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.workspace.ExportCache;
import dev.agentsandbox.workspace.Folders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The private temporary folder of one run: the workspace the agent edits, the head tree the
 * checks run on, and the folder mounted at /run/agent-sandbox (task, proxy socket). Removed on
 * close; its name carries the creator's pid and start time so that {@code cleanup} can remove
 * what a killed process left.
 */
public final class Scratch implements AutoCloseable {
    private final Path root;

    private Scratch(Path root) {
        this.root = root;
    }

    public static Path base() {
        String env = System.getenv("AGENT_SANDBOX_SCRATCH");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("java.io.tmpdir"), "agent-sandbox");
    }

    /** The shared exports of base trees, lower layers of the runs' overlay workspaces. */
    public static ExportCache exports(java.time.Clock clock) {
        return new ExportCache(exportsRoot(), clock);
    }

    /** The file by which runs remember that this host cannot mount overlay workspaces. */
    public static Path overlayUnavailableMarker() {
        return exportsRoot().resolve("overlay-unavailable");
    }

    private static Path exportsRoot() {
        return base().resolve("exports");
    }

    public static Scratch create(String runId) throws InfrastructureException {
        try {
            Path base = Files.createDirectories(base());
            Path root = Files.createDirectory(base.resolve(runId + "." + Folders.stamp()));
            // The sandbox user (65534) must write the workspace; the folder is private to the run.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            return new Scratch(root);
        } catch (IOException e) {
            throw new InfrastructureException("cannot create the run's temporary folder under " + base() + ": " + e.getMessage()
                    + " (set AGENT_SANDBOX_SCRATCH to a writable folder with free space)", e);
        }
    }

    public Path root() {
        return root;
    }

    /** A fresh sub-folder that uid 65534 may write (mode 0777 on this private path). */
    public Path folder(String name) throws InfrastructureException {
        try {
            Path p = Files.createDirectory(root.resolve(name));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
            return p;
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + root.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** A fresh sub-folder only this process's user may use. */
    public Path privateFolder(String name) throws InfrastructureException {
        try {
            return Files.createDirectory(root.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + root.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        Folders.delete(root);
    }

    /** Removes scratch folders whose creating process is gone (or all of them); returns the count. */
    public static int cleanup(boolean all) {
        Path base = base();
        if (!Files.isDirectory(base)) {
            return 0;
        }
        if (!all) {
            exports(java.time.Clock.systemUTC()).evict(ExportCache.KEEP); // half-built exports of killed runs, old trees
        }
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(base)) {
            for (Path p : ds) {
                if (all || Folders.ownerIsGone(p.getFileName().toString())) {
                    Folders.delete(p);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }
}
