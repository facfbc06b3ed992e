package dev.agentsandbox.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * Resource limits of one sandbox.
 *
 * @param cpus CPU cores (fractions allowed)
 * @param memoryBytes memory limit; swap is set to the same value so none is granted on top
 * @param pids most processes and threads
 * @param tmpfsBytes size of the noexec tmpfs at /tmp
 * @param timeout wall-clock limit from start to exit
 * @param maxOutputBytes how much output is kept; the rest is counted and dropped
 */
public record Limits(double cpus, long memoryBytes, int pids, long tmpfsBytes, Duration timeout, long maxOutputBytes) {
    /** The limits the configuration's sandbox section sets. */
    public static Limits of(dev.agentsandbox.config.SandboxConfig s) {
        return new Limits(s.cpus(), s.memoryBytes(), s.pids(), s.tmpfsBytes(), s.timeout(), s.maxOutputBytes());
    }

    public Limits {
        Objects.requireNonNull(timeout, "timeout");
        if (cpus <= 0 || memoryBytes <= 0 || pids <= 0 || tmpfsBytes <= 0 || maxOutputBytes <= 0
                || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("every sandbox limit must be positive");
        }
    }
}
