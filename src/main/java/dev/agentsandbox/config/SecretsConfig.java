package dev.agentsandbox.config;

import java.util.List;

/**
 * The secrets gate.
 *
 * @param enabled whether the added lines are scanned
 * @param allowPaths globs of fixture files whose findings are ignored
 * @param disabledRules rule ids not applied
 * @param allowFingerprints SHA-256 (hex) of secret values known to be fake
 */
public record SecretsConfig(Boolean enabled, List<String> allowPaths, List<String> disabledRules, List<String> allowFingerprints) {
    public static final SecretsConfig DEFAULT = new SecretsConfig(null, null, null, null);

    public SecretsConfig {
        enabled = enabled == null || enabled;
        allowPaths = allowPaths == null ? List.of() : List.copyOf(allowPaths);
        disabledRules = disabledRules == null ? List.of() : List.copyOf(disabledRules);
        allowFingerprints = allowFingerprints == null ? List.of() : List.copyOf(allowFingerprints);
    }
}
