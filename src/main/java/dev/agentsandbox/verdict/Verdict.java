package dev.agentsandbox.verdict;

/** Outcome of a gate or of one finding, ordered from best to worst. */
public enum Verdict {
    PASS, WARN, FAIL;

    public Verdict worst(Verdict other) {
        return compareTo(other) >= 0 ? this : other;
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
