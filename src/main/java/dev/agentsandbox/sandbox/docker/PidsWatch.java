package dev.agentsandbox.sandbox.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Watches a container's pids cgroup while it runs: whether it ever hit its process limit. Docker
 * says nothing when the limit ends a sandbox (under gVisor the whole sandbox stops with some exit
 * status), but the kernel counts every refused fork in {@code pids.events}.
 */
final class PidsWatch implements AutoCloseable {
    /**
     * Sampled, not evented (cgroups give no notification for it): every 5 ms for the first 10 s, when a
     * fork bomb ends a gVisor sandbox within a few hundred ms and its cgroup goes with it, then every 50 ms.
     */
    private static final long FAST_MILLIS = 5;
    private static final long SLOW_MILLIS = 50;
    private static final long FAST_FOR_NANOS = 10_000_000_000L;

    private final List<Path> candidates;
    private final Thread thread;
    private volatile Path dir;
    private volatile long events;
    private volatile long peak;
    private volatile boolean stop;

    private PidsWatch(String containerId) {
        this.candidates = List.of(
                Path.of("/sys/fs/cgroup/pids/docker", containerId),
                Path.of("/sys/fs/cgroup/pids/system.slice", "docker-" + containerId + ".scope"),
                Path.of("/sys/fs/cgroup/docker", containerId),
                Path.of("/sys/fs/cgroup/system.slice", "docker-" + containerId + ".scope"));
        this.thread = new Thread(this::loop, "agent-sandbox-pids-watch");
        thread.setDaemon(true);
    }

    static PidsWatch start(String containerId) {
        PidsWatch w = new PidsWatch(containerId);
        w.thread.start();
        return w;
    }

    private void loop() {
        long t0 = System.nanoTime();
        while (!stop) {
            sample();
            try {
                Thread.sleep(System.nanoTime() - t0 < FAST_FOR_NANOS ? FAST_MILLIS : SLOW_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        Path d = dir;
        if (d == null) {
            for (Path c : candidates) {
                if (Files.isRegularFile(c.resolve("pids.events"))) {
                    dir = d = c;
                    break;
                }
            }
            if (d == null) {
                return;
            }
        }
        try {
            for (String line : Files.readAllLines(d.resolve("pids.events"))) {
                if (line.startsWith("max ")) {
                    events = Math.max(events, Long.parseLong(line.substring(4).strip()));
                }
            }
            peak = Math.max(peak, Long.parseLong(Files.readString(d.resolve("pids.current")).strip()));
            Path kernelPeak = d.resolve("pids.peak"); // Linux 6.1+: exact, not sampled
            if (Files.isRegularFile(kernelPeak)) {
                peak = Math.max(peak, Long.parseLong(Files.readString(kernelPeak).strip()));
            }
        } catch (IOException | RuntimeException e) {
            // the cgroup went with the container: what was seen stands
        }
    }

    /** Whether a fork was ever refused for the limit. */
    boolean limitHit() {
        return events > 0;
    }

    /** Whether the cgroup could be watched at all (false: nothing can be said). */
    boolean watched() {
        return dir != null;
    }

    long peak() {
        return peak;
    }

    @Override
    public void close() {
        sample();
        stop = true;
        thread.interrupt();
    }
}
