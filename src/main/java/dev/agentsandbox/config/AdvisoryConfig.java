package dev.agentsandbox.config;

import dev.agentsandbox.verdict.Verdict;

/**
 * Known-bad packages: advisories in the OSV format for every dependency the change adds or changes.
 * A malicious-package advisory always fails.
 *
 * @param enabled whether advisories are looked up (default true)
 * @param url an OSV API (default: $AGENT_SANDBOX_OSV_URL, else osv.dev's)
 * @param database a local OSV export on the host (a folder of OSV JSON, or an ecosystem's zip); when set, no network is used
 * @param failAt vulnerabilities at or above this severity fail, lower ones warn (default critical)
 * @param unavailable the verdict when the advisories cannot be read (default warn)
 */
public record AdvisoryConfig(Boolean enabled, String url, String database, String failAt, Verdict unavailable) {
    public static final AdvisoryConfig DEFAULT = new AdvisoryConfig(null, null, null, null, null);

    public AdvisoryConfig {
        enabled = enabled == null || enabled;
        failAt = failAt == null ? "critical" : failAt.toLowerCase(java.util.Locale.ROOT);
        unavailable = unavailable == null ? Verdict.WARN : unavailable;
        if (!java.util.List.of("low", "medium", "high", "critical", "never").contains(failAt)) {
            throw new IllegalArgumentException("dependencies.advisories.fail-at must be low, medium, high, critical or never");
        }
    }
}
