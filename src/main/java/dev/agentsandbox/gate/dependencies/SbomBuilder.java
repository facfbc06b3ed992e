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
        return inventory(tree, tree.paths(Manifests::isManifestName));
    }

    /** The inventory from the manifests at these paths (the tree's files with manifest names, as {@link ManifestIndex} knows them). */
    static Inventory inventory(Tree tree, List<String> manifestPaths) throws IOException {
        List<Dependency> deps = new ArrayList<>();
        Set<String> sources = new HashSet<>();
        List<String> unreadable = new ArrayList<>();
        List<String> includes = new ArrayList<>();
        Set<String> read = new HashSet<>();
        for (String path : manifestPaths) {
            if (!Manifests.isManifest(path)) {
                continue;
            }
            readOne(tree, path, deps, sources, includes, unreadable, read);
        }
        // Requirement files included with -r / -c are read whatever their names, within the repository only.
        for (int i = 0; i < includes.size() && i < MAX_INCLUDES; i++) {
            String inc = includes.get(i);
            if (inc.startsWith("!")) {
                unreadable.add("requirements include: " + inc.substring(1));
                sources.add("pypi include " + inc.substring(1));
            } else if (read.add(inc)) {
                Optional<byte[]> content = tree.read(inc);
                if (content.isEmpty()) {
                    unreadable.add(inc + ": included with -r/-c but not in the tree");
                    continue;
                }
                List<String> more = new ArrayList<>();
                Manifests.requirements(inc, new String(content.get(), java.nio.charset.StandardCharsets.UTF_8), deps, sources, more);
                includes.addAll(more);
            }
        }
        return new Inventory(deps, sources, unreadable, read);
    }

    private static final int MAX_INCLUDES = 200;

    private static void readOne(Tree tree, String path, List<Dependency> deps, Set<String> sources, List<String> includes,
                                List<String> unreadable, Set<String> read) throws IOException {
        Optional<byte[]> content = tree.read(path);
        if (content.isEmpty() || !read.add(path)) {
            return;
        }
        try {
            Manifests.read(path, content.get(), deps, sources, includes);
        } catch (IOException | RuntimeException e) {
            unreadable.add(path + ": " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        return s == null ? "cannot be parsed" : s.strip().lines().findFirst().orElse("cannot be parsed");
    }
}
