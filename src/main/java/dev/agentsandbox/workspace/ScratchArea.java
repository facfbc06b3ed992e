package dev.agentsandbox.workspace;

import dev.agentsandbox.host.HostVariables;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.quota.DiskQuota;
import dev.agentsandbox.quota.LoopDisks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Where runs keep their temporary folders and the shared exports of base trees: one private
 * folder per user ({@code AGENT_SANDBOX_SCRATCH}, else the temporary folder), resolved once at the edge.
 */
public record ScratchArea(Path base) {
    public static final String ENV = HostVariables.SCRATCH;

    /** The area the host's environment names, else {@code $TMPDIR/agent-sandbox-<uid>}. */
    public static ScratchArea of(Map<String, String> env) {
        String v = env.get(ENV);
        // One per user: another user's folder of the same name would be refused (see Folders.requirePrivate).
        return new ScratchArea(v != null && !v.isBlank() ? Path.of(v) : Path.of(System.getProperty("java.io.tmpdir"), "agent-sandbox-" + uid()));
    }

    private static String uid() {
        try {
            return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return System.getProperty("user.name", "user");
        }
    }

    /** The shared exports of base trees, lower layers of the runs' overlay workspaces. */
    public ExportCache exports(Clock clock) {
        return new ExportCache(base.resolve("exports"), clock);
    }

    /** The file by which runs remember that this host cannot mount overlay workspaces. */
    public Path overlayUnavailableMarker() {
        return base.resolve("exports").resolve("overlay-unavailable");
    }

    /** A run's folder whose sandboxes may each write no more than {@code diskBytes} (0: unbounded) to this host's disk. */
    public Scratch create(String runId, DiskQuota quota, long diskBytes) throws InfrastructureException {
        return Scratch.create(this, runId, quota, diskBytes);
    }

    /** Removes scratch folders whose creating process is gone (or all of them); returns the count. */
    public int cleanup(boolean all) throws InfrastructureException {
        if (!Files.exists(base, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        try {
            Folders.requirePrivate(base); // never remove what a link or someone else's folder leads to
        } catch (IOException e) {
            throw new InfrastructureException("the temporary folder is unsafe: " + e.getMessage(), e);
        }
        if (!all) {
            exports(Clock.systemUTC()).evict(ExportCache.KEEP); // half-built exports of killed runs, old trees
        }
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(base)) {
            for (Path p : ds) {
                if (all || Folders.ownerIsGone(p.getFileName().toString())) {
                    LoopDisks.unmountUnder(p); // a killed run's disks go before its folder
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
