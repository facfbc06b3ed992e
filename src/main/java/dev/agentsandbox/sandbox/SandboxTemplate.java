package dev.agentsandbox.sandbox;

import dev.agentsandbox.config.Tier;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What every sandbox of one run shares: the run id, the tier and runtime, the limits, the base
 * environment and the redaction of output. The agent's sandbox and each check's fresh sandbox are
 * made from it, so a check never runs with weaker isolation than the agent.
 */
public record SandboxTemplate(String runId, Tier tier, String runtime, Limits limits, Map<String, String> env,
                              UnaryOperator<String> redactor, List<Mount> shared) {
    public SandboxTemplate(String runId, Tier tier, String runtime, Limits limits, Map<String, String> env, UnaryOperator<String> redactor) {
        this(runId, tier, runtime, limits, env, redactor, List.of());
    }

    public SandboxTemplate {
        shared = shared == null ? List.of() : List.copyOf(shared);
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(limits, "limits");
        env = Map.copyOf(env);
        redactor = redactor == null ? UnaryOperator.identity() : redactor;
    }

    public SandboxSpec spec(String purpose, String image, List<String> command, Map<String, String> extraEnv, List<Mount> mounts) {
        var all = new java.util.HashMap<>(env);
        all.putAll(extraEnv);
        // Every sandbox of the run, the agent's and each check's, also gets the shared read-only mounts (caches).
        var allMounts = new java.util.ArrayList<>(mounts);
        allMounts.addAll(shared);
        return new SandboxSpec(runId, purpose, image, command, "/workspace", all, allMounts, tier, runtime, limits, redactor);
    }

    public SandboxTemplate withShared(List<Mount> mounts) {
        return new SandboxTemplate(runId, tier, runtime, limits, env, redactor, mounts);
    }

    public SandboxTemplate withTimeout(java.time.Duration timeout) {
        Limits l = new Limits(limits.cpus(), limits.memoryBytes(), limits.pids(), limits.tmpfsBytes(), timeout, limits.maxOutputBytes());
        return new SandboxTemplate(runId, tier, runtime, l, env, redactor, shared);
    }
}
