package dev.agentsandbox.gate.dependencies;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the change does to the dependencies: components added, removed or changed (by
 * ecosystem and name; the same package in several manifests counts once), and new sources.
 */
public record DependencyDelta(List<Dependency> added, List<Dependency> removed, List<Changed> changed, List<String> newSources) {
    /** A version change. */
    public record Changed(Dependency before, Dependency after) {
    }

    public DependencyDelta {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
        newSources = List.copyOf(newSources);
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && newSources.isEmpty();
    }

    public static DependencyDelta between(Inventory base, Inventory head) {
        Map<String, Dependency> b = index(base.dependencies());
        Map<String, Dependency> h = index(head.dependencies());
        List<Dependency> added = new ArrayList<>();
        List<Changed> changed = new ArrayList<>();
        for (var e : h.entrySet()) {
            Dependency old = b.get(e.getKey());
            if (old == null) {
                added.add(e.getValue());
            } else if (!Objects.equals(old.version(), e.getValue().version())) {
                changed.add(new Changed(old, e.getValue()));
            }
        }
        List<Dependency> removed = b.entrySet().stream().filter(e -> !h.containsKey(e.getKey())).map(Map.Entry::getValue).toList();
        TreeSet<String> sources = new TreeSet<>(head.sources());
        sources.removeAll(base.sources());
        return new DependencyDelta(added, removed, changed, List.copyOf(sources));
    }

    /** One entry per package: a lockfile's exact version wins over a manifest's range. */
    private static Map<String, Dependency> index(List<Dependency> deps) {
        Map<String, Dependency> m = new TreeMap<>();
        for (Dependency d : deps) {
            m.merge(d.key(), d, (a, x) -> x.manifest().endsWith("package-lock.json") ? x : a);
        }
        return m;
    }
}
