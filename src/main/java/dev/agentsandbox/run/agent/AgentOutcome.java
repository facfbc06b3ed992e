package dev.agentsandbox.run.agent;

import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent stage leaves for the later ones.
 *
 * @param sandbox how the agent's sandbox ended (output, exit, timings, processes)
 * @param gate the agent gate's result (exit, limits, budget, process policy)
 * @param template the sandbox template of the run: the checks' sandboxes are made from it too
 * @param processLog the process log's summary and digest, or null when the sandbox was not traced
 * @param spend what the model requests cost, with proxy.spend; null otherwise
 * @param boundary what the boundary probe saw in the agent's sandbox before its command ran
 */
public record AgentOutcome(SandboxResult sandbox, GateResult gate, SandboxTemplate template, Map<String, Object> processLog,
                           Map<String, Object> spend, Map<String, Object> boundary) {
    public AgentOutcome {
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(template, "template");
        // summaries may hold null values (a log that was never broken): kept as given, read-only
        processLog = processLog == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(processLog));
        spend = spend == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(spend));
        boundary = boundary == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(boundary));
    }
}
