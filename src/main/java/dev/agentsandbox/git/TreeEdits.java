package dev.agentsandbox.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * A new tree from a base tree and a few path edits, writing only the trees along the edited paths:
 * the cost follows the change, not the repository (a full index of a large tree costs a second).
 */
final class TreeEdits {
    /** The new content of one path, or a deletion (null blob). */
    record Edit(String path, ObjectId blob, int mode) {
        static Edit delete(String path) {
            return new Edit(path, null, 0);
        }
    }

    private TreeEdits() {
    }

    /** Applies the edits; returns the new root tree (the empty tree when nothing is left). */
    static ObjectId apply(ObjectReader reader, ObjectInserter inserter, ObjectId baseTree, List<Edit> edits) throws IOException {
        Map<String, Edit> byPath = new LinkedHashMap<>();
        for (Edit e : edits) {
            if (e.path().isEmpty() || e.path().startsWith("/") || e.path().endsWith("/") || e.path().contains("//")) {
                throw new IllegalArgumentException("not a path in a tree: '" + e.path() + "'");
            }
            byPath.put(e.path(), e);
        }
        ObjectId id = rewrite(reader, inserter, baseTree, new ArrayList<>(byPath.values()));
        return id == null ? inserter.insert(new TreeFormatter()) : id;
    }

    /** The tree {@code base} (null: none) with the edits, whose paths are relative to it; null when empty. */
    private static ObjectId rewrite(ObjectReader reader, ObjectInserter inserter, ObjectId base, List<Edit> edits) throws IOException {
        // What the folder holds: name -> (mode, id), from the base tree.
        Map<String, Object[]> entries = new TreeMap<>();
        if (base != null) {
            CanonicalTreeParser p = new CanonicalTreeParser(null, reader, base);
            for (; !p.eof(); p.next()) {
                entries.put(p.getEntryPathString(), new Object[] {p.getEntryFileMode(), p.getEntryObjectId()});
            }
        }
        Map<String, List<Edit>> nested = new TreeMap<>();
        for (Edit e : edits) {
            int slash = e.path().indexOf('/');
            if (slash < 0) {
                if (e.blob() == null) {
                    entries.remove(e.path());
                } else {
                    entries.put(e.path(), new Object[] {FileMode.fromBits(e.mode()), e.blob()});
                }
            } else {
                String name = e.path().substring(0, slash);
                nested.computeIfAbsent(name, k -> new ArrayList<>()).add(new Edit(e.path().substring(slash + 1), e.blob(), e.mode()));
            }
        }
        for (Map.Entry<String, List<Edit>> n : nested.entrySet()) {
            Object[] current = entries.get(n.getKey());
            boolean isTree = current != null && current[0] == FileMode.TREE;
            boolean adds = n.getValue().stream().anyMatch(e -> e.blob() != null);
            if (current != null && !isTree) {
                if (adds) {
                    // A file and files beneath the same name: only a change that also deletes the file can mean that.
                    boolean fileDeleted = edits.stream().anyMatch(e -> e.path().equals(n.getKey()) && e.blob() == null);
                    if (!fileDeleted) {
                        throw new IllegalArgumentException("'" + n.getKey() + "' is a file; it cannot also hold files");
                    }
                } else {
                    continue; // deletions beneath a file that replaced the folder
                }
            }
            ObjectId sub = rewrite(reader, inserter, isTree ? (ObjectId) current[1] : null, n.getValue());
            if (sub == null) {
                if (isTree) {
                    entries.remove(n.getKey());
                }
            } else {
                entries.put(n.getKey(), new Object[] {FileMode.TREE, sub});
            }
        }
        if (entries.isEmpty()) {
            return null;
        }
        // Git orders a tree's entries by name, a folder's name compared as if it ended in '/'.
        List<Map.Entry<String, Object[]>> sorted = new ArrayList<>(entries.entrySet());
        sorted.sort(Comparator.comparing((Map.Entry<String, Object[]> e) -> sortKey(e.getKey(), (FileMode) e.getValue()[0]),
                TreeEdits::compareBytes));
        TreeFormatter f = new TreeFormatter();
        for (Map.Entry<String, Object[]> e : sorted) {
            f.append(e.getKey(), (FileMode) e.getValue()[0], (ObjectId) e.getValue()[1]);
        }
        return inserter.insert(f);
    }

    private static byte[] sortKey(String name, FileMode mode) {
        return (mode == FileMode.TREE ? name + "/" : name).getBytes(StandardCharsets.UTF_8);
    }

    private static int compareBytes(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }
}
