package dev.agentsandbox.gate;

import dev.agentsandbox.verdict.Verdict;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one gate decided. The verdict is never better than the worst finding.
 *
 * @param gate gate name
 * @param verdict overall outcome
 * @param findings what it found, in a stable order
 * @param duration how long it took
 * @param details small gate-specific facts for reports (counts, exit codes); no secret values
 */
public record GateResult(String gate, Verdict verdict, List<Finding> findings, Duration duration, Map<String, Object> details) {
    public GateResult {
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(verdict, "verdict");
        findings = List.copyOf(findings);
        Objects.requireNonNull(duration, "duration");
        details = Map.copyOf(details);
        for (Finding f : findings) {
            if (f.level().compareTo(verdict) > 0) {
                throw new IllegalArgumentException("gate " + gate + " says " + verdict + " but has a " + f.level() + " finding");
            }
        }
    }

    /** The verdict follows from the findings: the worst of them, PASS when there are none. */
    public static GateResult of(String gate, List<Finding> findings, Duration duration, Map<String, Object> details) {
        Verdict v = Verdict.PASS;
        for (Finding f : findings) {
            v = v.worst(f.level());
        }
        return new GateResult(gate, v, findings, duration, details);
    }
}
