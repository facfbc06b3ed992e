package dev.agentsandbox.config;

import dev.agentsandbox.verdict.Verdict;
import java.util.List;

/**
 * The dependency gate.
 *
 * @param enabled whether SBOMs are built and compared
 * @param added verdict for a new dependency (default warn)
 * @param changed verdict for a changed version (default pass)
 * @param removed verdict for a removed dependency (default pass)
 * @param registryChange verdict for a new package index, registry, git or tarball source (default fail)
 * @param denied package names (ecosystem-agnostic, or "npm:left-pad") that fail when added
 * @param advisories known-bad packages (OSV)
 */
public record DependencyConfig(Boolean enabled, Verdict added, Verdict changed, Verdict removed, Verdict registryChange,
                               List<String> denied, AdvisoryConfig advisories) {
    public static final DependencyConfig DEFAULT = new DependencyConfig(null, null, null, null, null, null, null);

    public DependencyConfig(Boolean enabled, Verdict added, Verdict changed, Verdict removed, Verdict registryChange, List<String> denied) {
        this(enabled, added, changed, removed, registryChange, denied, null);
    }

    public DependencyConfig {
        enabled = enabled == null || enabled;
        added = added == null ? Verdict.WARN : added;
        changed = changed == null ? Verdict.PASS : changed;
        removed = removed == null ? Verdict.PASS : removed;
        registryChange = registryChange == null ? Verdict.FAIL : registryChange;
        denied = denied == null ? List.of() : List.copyOf(denied);
        advisories = advisories == null ? AdvisoryConfig.DEFAULT : advisories;
    }
}
