package dev.agentsandbox.sandbox;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a sandboxed command ended.
 *
 * @param exitCode the command's exit status (137 when killed)
 * @param ending why it ended
 * @param output captured stdout and stderr, interleaved, redacted, at most the limit
 * @param outputBytes total bytes the command wrote (kept or not)
 * @param outputTruncated whether output past the limit was dropped
 * @param timings where the time went
 * @param imageId content digest of the image that ran (sha256:...)
 * @param containerConfig the exact configuration the container ran with, for the audit log
 * @param pidsLimitHit whether the pids cgroup refused a task (the limit ended or hampered the command)
 * @param pidsPeak the most tasks the sandbox held at once, as sampled (0: not watched)
 * @param processes the programs it ran, from gVisor's kernel (null: not traced)
 */
public record SandboxResult(int exitCode, Ending ending, String output, long outputBytes, boolean outputTruncated,
                            Timings timings, String imageId, Map<String, Object> containerConfig, boolean pidsLimitHit, long pidsPeak,
                            dev.agentsandbox.sandbox.trace.ProcessTrace.Result processes) {

    /** The record key a backend whose own limits are the disk quota (Kubernetes) sets when the sandbox went over it: the quota, in words. */
    public static final String OVER_DISK_QUOTA = "overDiskQuota";

    /** Why a sandbox ended. */
    public enum Ending {
        EXITED, TIMED_OUT, OUT_OF_MEMORY, CANCELLED;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Durations of the phases of one sandbox. */
    public record Timings(Duration create, Duration start, Duration run, Duration remove) {
        public Duration total() {
            return create.plus(start).plus(run).plus(remove);
        }

        public Map<String, Long> millis() {
            return Map.of("create", create.toMillis(), "start", start.toMillis(), "run", run.toMillis(),
                    "remove", remove.toMillis(), "total", total().toMillis());
        }
    }

    public SandboxResult {
        Objects.requireNonNull(ending, "ending");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(timings, "timings");
        containerConfig = Map.copyOf(containerConfig);
    }

    public boolean succeeded() {
        return ending == Ending.EXITED && exitCode == 0;
    }
}
