package dev.agentsandbox.run.gates;

import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.util.List;

/**
 * Every gate's result, in the order reports list them, and what follows from them.
 *
 * @param results agent, data class, collect, then the gates of the suite
 * @param verdict the worst of them
 * @param credentialsFound a gate found credentials in the change: the patch travels redacted and the commit does not travel
 */
public record GateOutcome(List<GateResult> results, Verdict verdict, boolean credentialsFound) {
    public GateOutcome {
        results = List.copyOf(results);
    }

    static GateOutcome of(List<GateResult> results, boolean credentialsFound) {
        return new GateOutcome(results, results.stream().map(GateResult::verdict).reduce(Verdict.PASS, Verdict::worst), credentialsFound);
    }

    /** A gate's result by name, or null. */
    public GateResult get(String gate) {
        return results.stream().filter(r -> r.gate().equals(gate)).findFirst().orElse(null);
    }
}
