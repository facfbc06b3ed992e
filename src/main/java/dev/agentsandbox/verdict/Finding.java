package dev.agentsandbox.verdict;


import java.util.Objects;

/**
 * One thing a gate found. {@code evidence} is already redacted: a secret value never reaches a
 * finding, so every report may print it as it is.
 *
 * @param gate the gate that found it ("policy", "secrets", ...)
 * @param rule a stable rule id ("protected-path", "aws-access-key", ...)
 * @param level how much it weighs
 * @param message a sentence a reviewer can act on
 * @param path repository-relative path, or null when the finding is about the whole change
 * @param line 1-based line in the head version of the file, or 0 when none applies
 * @param evidence a redacted excerpt, or null
 */
public record Finding(String gate, String rule, Verdict level, String message, String path, int line, String evidence) {
    public Finding {
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0: " + line);
        }
    }

    public static Finding of(String gate, String rule, Verdict level, String message) {
        return new Finding(gate, rule, level, message, null, 0, null);
    }

    public static Finding at(String gate, String rule, Verdict level, String message, String path, int line) {
        return new Finding(gate, rule, level, message, path, line, null);
    }
}
