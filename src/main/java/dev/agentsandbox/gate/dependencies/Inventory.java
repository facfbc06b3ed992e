package dev.agentsandbox.gate.dependencies;

import java.util.List;
import java.util.Set;

/**
 * What the manifests of one tree declare.
 *
 * @param dependencies every declared dependency
 * @param sources where packages come from besides the default registries: indexes, registries,
 *     git, tarball and URL dependencies, go replace targets ("pypi index https://…")
 * @param unreadable manifests that could not be parsed, with why
 * @param files every file read, includes (-r, -c) among them
 */
public record Inventory(List<Dependency> dependencies, Set<String> sources, List<String> unreadable, Set<String> files) {
    public Inventory {
        dependencies = List.copyOf(dependencies);
        sources = Set.copyOf(sources);
        unreadable = List.copyOf(unreadable);
        files = Set.copyOf(files);
    }
}
