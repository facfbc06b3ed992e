package dev.agentsandbox.gate;

import dev.agentsandbox.verdict.Finding;

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
 * @param details what the gate tells the reports beyond its findings
 */
public record GateResult(String gate, Verdict verdict, List<Finding> findings, Duration duration, GateDetails details) {
    public GateResult {
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(verdict, "verdict");
        findings = List.copyOf(findings);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(details, "details");
        for (Finding f : findings) {
            if (f.level().compareTo(verdict) > 0) {
                throw new IllegalArgumentException("gate " + gate + " says " + verdict + " but has a " + f.level() + " finding");
            }
        }
    }

    /** The verdict follows from the findings: the worst of them, PASS when there are none. */
    public static GateResult of(String gate, List<Finding> findings, Duration duration, GateDetails details) {
        Verdict v = Verdict.PASS;
        for (Finding f : findings) {
            v = v.worst(f.level());
        }
        return new GateResult(gate, v, findings, duration, details);
    }

    /** This gate as gates.json holds it. */
    public Map<String, Object> toJson() {
        GateResult r = this;
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("gate", r.gate());
        m.put("verdict", r.verdict().id());
        m.put("durationMillis", r.duration().toMillis());
        m.put("details", new java.util.TreeMap<>(r.details().facts()));
        m.put("findings", r.findings().stream().map(f -> {
            Map<String, Object> x = new java.util.LinkedHashMap<>();
            x.put("rule", f.rule());
            x.put("level", f.level().id());
            x.put("message", f.message());
            x.put("path", f.path());
            x.put("line", f.line());
            x.put("evidence", f.evidence());
            return x;
        }).toList());
        return m;
    }
}
