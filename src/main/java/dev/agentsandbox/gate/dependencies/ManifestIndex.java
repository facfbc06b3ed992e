package dev.agentsandbox.gate.dependencies;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.Tree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Where a tree's manifests are, without walking the tree each run: the base tree's list is kept
 * per tree id (trees never change), and the head's follows from it and the change, so the
 * dependency gate costs what the change touches, not what the repository holds.
 */
final class ManifestIndex {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    /** @param dir where lists are kept between runs (the user's private scratch area); null: not kept */
    ManifestIndex(Path dir) {
        this.dir = dir;
    }

    /** The tree's files with manifest names, sorted. */
    List<String> of(Tree tree) throws IOException {
        String id = dir == null ? null : tree.id();
        Path file = id == null ? null : dir.resolve(id + ".json");
        if (file != null && Files.isRegularFile(file)) {
            try {
                return JSON.readValue(file.toFile(), new TypeReference<List<String>>() { });
            } catch (IOException e) {
                // a torn or foreign file: walk and write it again
            }
        }
        List<String> paths = tree.paths(Manifests::isManifestName);
        if (file != null) {
            try {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, id, ".tmp");
                JSON.writeValue(tmp.toFile(), paths);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                // a cache that cannot be written costs the next run a walk, nothing else
            }
        }
        return paths;
    }

    /** The head's manifest paths: the base's, with the change's deletions out and its regular files with manifest names in. */
    static List<String> after(List<String> base, List<FileChange> change) {
        // git's order (paths as UTF-8 bytes), which a walk of the head tree would give
        TreeSet<String> out = new TreeSet<>(ManifestIndex::gitOrder);
        out.addAll(base);
        for (FileChange f : change) {
            out.remove(f.path());
            boolean regular = (f.newMode() & 0170000) == 0100000;
            if (f.kind() != FileChange.Kind.DELETED && regular && Manifests.isManifest(f.path())) {
                out.add(f.path());
            }
        }
        return new ArrayList<>(out);
    }

    private static int gitOrder(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
