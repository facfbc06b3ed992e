package dev.agentsandbox.gate.dependencies;

import java.util.List;
import java.util.Locale;

/**
 * An OSV advisory that applies to a dependency the change adds or changes.
 *
 * @param id the OSV id (MAL-… for a malicious package, GHSA-…, PYSEC-…, …)
 * @param summary its one-line summary
 * @param severity LOW, MEDIUM, HIGH, CRITICAL or UNKNOWN
 * @param aliases other ids (CVE-…)
 * @param dependency what it applies to
 */
public record Advisory(String id, String summary, Severity severity, List<String> aliases, Dependency dependency) {
    public enum Severity {
        UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL;

        static Severity parse(String s) {
            if (s == null) {
                return UNKNOWN;
            }
            return switch (s.strip().toUpperCase(Locale.ROOT)) {
                case "LOW" -> LOW;
                case "MODERATE", "MEDIUM" -> MEDIUM;
                case "HIGH" -> HIGH;
                case "CRITICAL" -> CRITICAL;
                default -> UNKNOWN;
            };
        }
    }

    public Advisory {
        aliases = List.copyOf(aliases);
    }

    /** A malicious-package advisory (OSV's MAL- records). */
    public boolean malicious() {
        return id.startsWith("MAL-");
    }
}
