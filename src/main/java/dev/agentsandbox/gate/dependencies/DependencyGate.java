package dev.agentsandbox.gate.dependencies;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.config.DependencyConfig;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dependency delta of the change (new packages are a supply-chain decision a reviewer
 * must see) and the head SBOM. A change that touches no manifest has an empty delta and the
 * base inventory is not read at all.
 */
public final class DependencyGate implements Gate {
    public static final String NAME = "dependencies";

    /** The gate's result with the inventory, delta and advisories behind it (the reports need them). */
    public record Analysis(GateResult result, Inventory head, DependencyDelta delta, List<Advisory> advisories) {
    }

    private final DependencyConfig config;
    private final OsvAdvisories.Source advisories;
    private final ManifestIndex index;

    public DependencyGate(DependencyConfig config) {
        this(config, null, null);
    }

    /**
     * @param advisories where known-bad packages are looked up; null: nowhere
     * @param indexDir where the base trees' manifest lists are kept between runs (private to the user); null: not kept
     */
    public DependencyGate(DependencyConfig config, OsvAdvisories.Source advisories, java.nio.file.Path indexDir) {
        this.config = config;
        this.advisories = advisories;
        this.index = new ManifestIndex(indexDir);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The analysis, with the head's SBOM written to the report folder (when there is one) and the
     * delta in the result's details ({@code delta}: kind, ecosystem, name, before, after, manifest).
     */
    @Override
    public GateResult evaluate(GateContext context) throws InfrastructureException {
        Analysis a = analyse(context);
        if (context.reportDirectory() != null) {
            try {
                CycloneDxWriter.write(a.head(), a.delta(), a.advisories(), context.reportDirectory().resolve(SBOM));
            } catch (IOException e) {
                throw new InfrastructureException("cannot write the SBOM: " + e.getMessage(), e);
            }
        }
        GateResult r = a.result();
        return new GateResult(r.gate(), r.verdict(), r.findings(), r.duration(), ((GateDetails.Dependencies) r.details()).withDelta(rows(a.delta())));
    }

    /** The report's file name for the head's SBOM. */
    public static final String SBOM = "sbom.cdx.json";

    private static List<Map<String, Object>> rows(DependencyDelta delta) {
        List<Map<String, Object>> rows = new ArrayList<>();
        delta.added().forEach(d -> rows.add(row("added", d.ecosystem(), d.name(), null, d.version(), d.manifest())));
        delta.changed().forEach(c -> rows.add(row("changed", c.after().ecosystem(), c.after().name(), c.before().version(),
                c.after().version(), c.after().manifest())));
        delta.removed().forEach(d -> rows.add(row("removed", d.ecosystem(), d.name(), d.version(), null, d.manifest())));
        delta.newSources().forEach(x -> rows.add(row("new source", "", x, null, null, null)));
        return rows;
    }

    private static Map<String, Object> row(String kind, String ecosystem, String name, String before, String after, String manifest) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("kind", kind);
        m.put("ecosystem", ecosystem);
        m.put("name", name);
        m.put("before", before);
        m.put("after", after);
        m.put("manifest", manifest);
        return m;
    }

    public Analysis analyse(GateContext context) throws InfrastructureException {
        long t0 = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        try {
            // The base's manifests from the index, the head's from them and the change: no walk of either tree on a warm run.
            List<String> basePaths = index.of(context.base());
            String baseId = context.base().id();
            String headId = context.head().id();
            List<String> headPaths = headId == null || baseId == null ? context.head().paths(Manifests::isManifestName)
                    : headId.equals(baseId) ? basePaths : ManifestIndex.after(basePaths, context.change().files());
            Inventory head = SbomBuilder.inventory(context.head(), headPaths);
            // A changed manifest, or a file a manifest includes (requirements -r/-c), whatever its name.
            boolean touched = context.change().files().stream().map(FileChange::path)
                    .anyMatch(p -> Manifests.isManifest(p) || head.files().contains(p));
            DependencyDelta delta = touched && config.enabled()
                    ? DependencyDelta.between(SbomBuilder.inventory(context.base(), basePaths), head)
                    : new DependencyDelta(List.of(), List.of(), List.of(), List.of());
            if (config.enabled()) {
                for (Dependency d : delta.added()) {
                    boolean denied = config.denied().contains(d.name()) || config.denied().contains(d.ecosystem() + ":" + d.name());
                    Verdict v = denied ? Verdict.FAIL : config.added();
                    add(findings, v, denied ? "denied" : "added", (denied ? "denied package " : "new dependency ") + d.key()
                            + (d.version() == null ? "" : " " + d.version()) + " in " + d.manifest(), d.manifest());
                }
                for (DependencyDelta.Changed c : delta.changed()) {
                    add(findings, config.changed(), "changed", c.after().key() + " changed from " + c.before().version() + " to "
                            + c.after().version(), c.after().manifest());
                }
                for (Dependency d : delta.removed()) {
                    add(findings, config.removed(), "removed", "removed dependency " + d.key(), d.manifest());
                }
                for (String s : delta.newSources()) {
                    add(findings, config.registryChange(), "source-change", "new package source: " + s
                            + " (packages from it bypass the usual registry)", null);
                }
                for (String u : head.unreadable()) {
                    add(findings, Verdict.WARN, "unreadable-manifest", u, u.indexOf(':') > 0 ? u.substring(0, u.indexOf(':')) : null);
                }
            }
            List<Advisory> found = advisories(delta, findings);
            GateResult r = GateResult.of(NAME, findings, Duration.ofNanos(System.nanoTime() - t0), new GateDetails.Dependencies(head.dependencies().size(),
                    delta.added().size(), delta.removed().size(), delta.changed().size(), delta.newSources().size(), found.size(), null));
            return new Analysis(r, head, delta, found);
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the manifests: " + e.getMessage(), e);
        }
    }

    /** Advisories for what the change adds or changes: a malicious package fails; a vulnerability warns or fails by severity. */
    private List<Advisory> advisories(DependencyDelta delta, List<Finding> findings) {
        if (advisories == null || !config.enabled() || !config.advisories().enabled()) {
            return List.of();
        }
        List<Dependency> asked = new ArrayList<>(delta.added());
        delta.changed().forEach(c -> asked.add(c.after()));
        if (asked.isEmpty()) {
            return List.of();
        }
        List<Advisory> found;
        try {
            found = advisories.find(asked);
        } catch (IOException | RuntimeException e) {
            add(findings, config.advisories().unavailable(), "advisories-unavailable", "the advisories at " + advisories.describe()
                    + " could not be read (" + e.getMessage() + "): " + asked.size() + " new or changed package(s) are unchecked", null);
            return List.of();
        }
        String failAt = config.advisories().failAt();
        for (Advisory a : found) {
            String what = a.id() + (a.aliases().isEmpty() ? "" : " (" + String.join(", ", a.aliases()) + ")") + " for " + a.dependency().key()
                    + (a.dependency().version() == null ? "" : " " + a.dependency().version()) + ": " + a.summary();
            if (a.malicious()) {
                add(findings, Verdict.FAIL, "malicious-package", "known malicious package " + what, a.dependency().manifest());
            } else {
                boolean fail = !failAt.equals("never") && a.severity() != Advisory.Severity.UNKNOWN
                        && a.severity().compareTo(Advisory.Severity.valueOf(failAt.toUpperCase(java.util.Locale.ROOT))) >= 0;
                add(findings, fail ? Verdict.FAIL : Verdict.WARN, "vulnerable-dependency", a.severity().name().toLowerCase(java.util.Locale.ROOT)
                        + " vulnerability " + what, a.dependency().manifest());
            }
        }
        return found;
    }

    private static void add(List<Finding> findings, Verdict v, String rule, String message, String path) {
        if (v != Verdict.PASS) {
            findings.add(Finding.at(NAME, rule, v, message, path, 0));
        }
    }
}
