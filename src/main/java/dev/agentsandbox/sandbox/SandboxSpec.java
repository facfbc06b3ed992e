package dev.agentsandbox.sandbox;

import dev.agentsandbox.config.Tier;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Everything one sandboxed command needs. The hardening that seed 001 asks for (no network,
 * read-only root, no capabilities, no-new-privileges, non-root user) is not configurable here:
 * a backend always applies it. What varies is the runtime, the limits, the mounts and the
 * environment, and the environment holds only what the caller put in it.
 *
 * @param runId the run this sandbox belongs to (a label on the container)
 * @param purpose what it is for: "agent", "lint", "tests" (a label, and part of the name)
 * @param image local image reference
 * @param command argv
 * @param workdir working folder inside the sandbox
 * @param env the complete environment; nothing from the host is added
 * @param mounts host paths made visible; nothing else is
 * @param tier the isolation tier asked for
 * @param runtime the Docker runtime name that gives that tier
 * @param limits resource limits
 * @param redactor applied to every line of output before it is shown or kept
 * @param hosts names the sandbox resolves, as "name:address" with a loopback address (its services; empty: none)
 */
public record SandboxSpec(String runId, String purpose, String image, List<String> command, String workdir,
                          Map<String, String> env, List<Mount> mounts, Tier tier, String runtime, Limits limits,
                          UnaryOperator<String> redactor, List<String> hosts) {

    public SandboxSpec(String runId, String purpose, String image, List<String> command, String workdir, Map<String, String> env,
                       List<Mount> mounts, Tier tier, String runtime, Limits limits, UnaryOperator<String> redactor) {
        this(runId, purpose, image, command, workdir, env, mounts, tier, runtime, limits, redactor, List.of());
    }

    public SandboxSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(limits, "limits");
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a sandbox needs a command");
        }
        if (!runId.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") || !purpose.matches("[a-z0-9-]{1,32}")) {
            throw new IllegalArgumentException("run id and purpose must be short names of [A-Za-z0-9_.-]");
        }
        if (tier == Tier.CONTAINER && !runtime.equals("runc") || tier == Tier.GVISOR && !runtime.contains("runsc")) {
            throw new IllegalArgumentException("runtime '" + runtime + "' does not give tier " + tier.id());
        }
        workdir = workdir == null ? "/workspace" : workdir;
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
        if (tier != Tier.GVISOR && !SandboxUser.of(mounts).equals(SandboxUser.NOBODY)) {
            // Under runc the runner's uid is the runner's real user on the host (with sudo, on GitHub's runners).
            throw new IllegalArgumentException("a workspace owned by the runner's user is for the gvisor tier only, not " + tier.id());
        }
        redactor = redactor == null ? UnaryOperator.identity() : redactor;
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        // only loopback names: a sandbox has no network, and a name must not point anywhere else
        if (hosts.stream().anyMatch(h -> !h.matches("[a-z][a-z0-9-]{0,31}:127\\.0\\.\\d{1,3}\\.\\d{1,3}"))) {
            throw new IllegalArgumentException("a sandbox's host names map to loopback addresses only: " + hosts);
        }
    }

    /** The same sandbox, resolving these names ("name:127.0.0.N"). */
    public SandboxSpec withHosts(List<String> names) {
        return new SandboxSpec(runId, purpose, image, command, workdir, env, mounts, tier, runtime, limits, redactor, names);
    }

    /** Who the sandbox's processes are: nobody, or the owner of the checkout its workspace stands on. */
    public SandboxUser user() {
        return SandboxUser.of(mounts);
    }

    /** The environment names only: what may be logged about the environment. */
    public List<String> envNames() {
        return env.keySet().stream().sorted().toList();
    }

    /** A description safe to log and audit: environment VALUES are left out. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", runId);
        m.put("purpose", purpose);
        m.put("image", image);
        m.put("command", command);
        m.put("workdir", workdir);
        m.put("envNames", envNames());
        m.put("mounts", mounts.stream().map(x -> x.containerPath() + (x.readOnly() ? ":ro" : ":rw") + (x.overlay() != null ? ":overlay" : "")).toList());
        m.put("user", user().docker());
        m.put("tier", tier.id());
        m.put("runtime", runtime);
        m.put("cpus", limits.cpus());
        m.put("memoryBytes", limits.memoryBytes());
        m.put("pids", limits.pids());
        m.put("tmpfsBytes", limits.tmpfsBytes());
        m.put("timeoutSeconds", limits.timeout().toSeconds());
        m.put("maxOutputBytes", limits.maxOutputBytes());
        if (!hosts.isEmpty()) {
            m.put("hosts", hosts);
        }
        return m;
    }

    @Override
    public String toString() {
        return "SandboxSpec" + describe();
    }
}
