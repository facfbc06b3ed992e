package dev.agentsandbox.config;

import dev.agentsandbox.config.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Isolation and limits for every sandbox of a run (the agent's and the checks'). Nulls take the
 * defaults of seed 001.
 *
 * @param tier isolation tier
 * @param runtime Docker runtime name; required for microvm, otherwise derived from the tier
 * @param cpus CPU limit in cores
 * @param memoryBytes memory limit (swap is not granted on top)
 * @param pids process limit
 * @param timeout wall-clock limit of one sandbox
 * @param tmpfsBytes size of the noexec tmpfs at /tmp
 * @param maxOutputBytes how much of stdout+stderr is kept; the rest is counted and dropped
 * @param diskBytes most bytes each sandbox may write to the host's disk; {@link #DISK_UNLIMITED} for no bound
 * @param envAllow names of host environment variables passed through (values never logged)
 * @param env fixed variables set in the sandbox
 * @param caches host folders (dependency caches) every sandbox sees read-only; never written back
 * @param processLog whether every program a gVisor sandbox runs is recorded from its kernel (default on)
 * @param platform gVisor's platform: systrap (the default, anywhere) or kvm (where /dev/kvm works)
 */
public record SandboxConfig(Tier tier, String runtime, Double cpus, Long memoryBytes, Integer pids, Duration timeout,
                            Long tmpfsBytes, Long maxOutputBytes, Long diskBytes, List<String> envAllow, Map<String, String> env,
                            List<Cache> caches, Boolean processLog, String backend, String platform) {
    public static final SandboxConfig DEFAULT = new SandboxConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
            null);
    /** gVisor's platforms a run may ask for. */
    public static final List<String> PLATFORMS = List.of("systrap", "kvm");
    /** The backends there are: where the sandboxes run. */
    public static final List<String> BACKENDS = List.of("docker", "kubernetes");

    /** A host folder mounted read-only at {@code path} in every sandbox of the run. */
    public record Cache(String host, String path) {
    }

    public SandboxConfig(Tier tier, String runtime, Double cpus, Long memoryBytes, Integer pids, Duration timeout, Long tmpfsBytes,
                         Long maxOutputBytes, Long diskBytes, List<String> envAllow, Map<String, String> env) {
        this(tier, runtime, cpus, memoryBytes, pids, timeout, tmpfsBytes, maxOutputBytes, diskBytes, envAllow, env, null, null, null, null);
    }
    /** {@code sandbox.disk: unlimited}. */
    public static final long DISK_UNLIMITED = 0;

    public SandboxConfig {
        tier = tier == null ? Tier.GVISOR : tier;
        cpus = cpus == null ? 1.0 : cpus;
        memoryBytes = memoryBytes == null ? 2L << 30 : memoryBytes;
        pids = pids == null ? 1024 : pids;
        timeout = timeout == null ? Duration.ofMinutes(30) : timeout;
        tmpfsBytes = tmpfsBytes == null ? 64L << 20 : tmpfsBytes;
        maxOutputBytes = maxOutputBytes == null ? 8L << 20 : maxOutputBytes;
        diskBytes = diskBytes == null ? 4L << 30 : diskBytes;
        if (diskBytes != DISK_UNLIMITED && diskBytes < (16L << 20)) {
            throw new IllegalArgumentException("sandbox.disk must be at least 16m (or unlimited)");
        }
        envAllow = envAllow == null ? List.of() : List.copyOf(envAllow);
        env = env == null ? Map.of() : Map.copyOf(env);
        caches = caches == null ? List.of() : List.copyOf(caches);
        processLog = processLog == null || processLog;
        platform = platform == null ? "systrap" : platform;
        if (cpus <= 0 || memoryBytes < (16L << 20) || pids < 8 || timeout.isNegative() || timeout.isZero()
                || tmpfsBytes <= 0 || maxOutputBytes <= 0) {
            throw new IllegalArgumentException("sandbox limits out of range: cpus > 0, memory >= 16m, pids >= 8, timeout > 0");
        }
        if (tier == Tier.MICROVM && (runtime == null || runtime.isBlank())) {
            throw new IllegalArgumentException("tier microvm needs sandbox.runtime: the Docker runtime name of the VM runtime (e.g. kata)");
        }
    }

    /** {@code sandbox.disk}: a size, or {@code unlimited} (no bound on what a sandbox writes to the host). */
    public static long parseDisk(String s) {
        if (s.strip().equalsIgnoreCase("unlimited")) {
            return DISK_UNLIMITED;
        }
        long v = Sizes.parse(s);
        if (v < (16L << 20)) {
            throw new IllegalArgumentException("'" + s + "' is too small for a disk: use at least 16m, or unlimited");
        }
        return v;
    }

}
