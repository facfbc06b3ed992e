package dev.agentsandbox.quota;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the host's file system tools (mkfs, mount, umount, stat) and says what they printed when they fail. */
final class Commands {
    private Commands() {
    }

    /** The tool by name on PATH or in the sbin folders (mkfs is there, off a non-root PATH), or null. */
    static Path find(String name) {
        return dev.agentsandbox.host.Privilege.find(name);
    }

    /** Runs a command to its end; returns its output, or throws with it. */
    static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " was interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (status " + p.exitValue() + ")" + (out.isEmpty() ? "" : ": " + out));
        }
        return out;
    }
}
