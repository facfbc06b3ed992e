package dev.agentsandbox.gate.dependencies;

import dev.agentsandbox.change.Tree;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads every manifest and lockfile of a tree into an {@link Inventory}. */
public final class SbomBuilder {
    private SbomBuilder() {
    }

    public static Inventory inventory(Tree tree) throws IOException {
        List<Dependency> deps = new ArrayList<>();
        Set<String> sources = new HashSet<>();
        List<String> unreadable = new ArrayList<>();
        for (String path : tree.paths(Manifests::isManifestName)) {
            if (!Manifests.isManifest(path)) {
                continue;
            }
            Optional<byte[]> content = tree.read(path);
            if (content.isEmpty()) {
                continue;
            }
            try {
                Manifests.read(path, content.get(), deps, sources);
            } catch (IOException | RuntimeException e) {
                unreadable.add(path + ": " + firstLine(e.getMessage()));
            }
        }
        return new Inventory(deps, sources, unreadable);
    }

    private static String firstLine(String s) {
        return s == null ? "cannot be parsed" : s.strip().lines().findFirst().orElse("cannot be parsed");
    }
}
