package dev.agentsandbox.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edited trees must be byte for byte what a full index of the same files gives. */
class TreeEditsTest {
    @TempDir
    Path tmp;

    @Test
    void randomEditsGiveTheTreeAFullIndexWouldWrite() throws Exception {
        try (Repository repo = FileRepositoryBuilder.create(tmp.resolve("r.git").toFile())) {
            repo.create(true);
            Random r = new Random(5);
            String[] names = {"a", "b", "a.txt", "a-b", "a0", "src", "src.d", "z", "é", "A"};
            int edited = 0;
            try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader()) {
                for (int round = 0; round < 300; round++) {
                    TreeMap<String, Object[]> files = new TreeMap<>();
                    for (int i = r.nextInt(30); i > 0; i--) {
                        put(files, randomPath(r, names), blob(ins, "f" + r.nextInt(5)), r.nextInt(4) == 0 ? 0100755 : 0100644);
                    }
                    ObjectId base = write(ins, files);
                    List<TreeEdits.Edit> edits = new ArrayList<>();
                    for (int i = r.nextInt(8); i > 0; i--) {
                        String p = r.nextBoolean() && !files.isEmpty() ? new ArrayList<>(files.keySet()).get(r.nextInt(files.size()))
                                : randomPath(r, names);
                        if (files.containsKey(p) && r.nextBoolean()) {
                            files.remove(p);
                            edits.add(TreeEdits.Edit.delete(p));
                        } else if (!conflicts(files, p)) {
                            ObjectId b = blob(ins, "e" + r.nextInt(5));
                            files.put(p, new Object[] {b, 0100644});
                            edits.add(new TreeEdits.Edit(p, b, 0100644));
                        }
                    }
                    edited += edits.size();
                    assertThat(TreeEdits.apply(reader, ins, base, edits)).as("round " + round + " " + edits).isEqualTo(write(ins, files));
                }
            }
            assertThat(edited).isGreaterThan(500);
        }
    }

    @Test
    void aFileAndAFolderTradePlaces() throws Exception {
        try (Repository repo = FileRepositoryBuilder.create(tmp.resolve("t.git").toFile())) {
            repo.create(true);
            try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader()) {
                ObjectId x = blob(ins, "x");
                TreeMap<String, Object[]> before = new TreeMap<>();
                put(before, "a", x, 0100644);
                put(before, "d/y", x, 0100644);
                ObjectId base = write(ins, before);
                TreeMap<String, Object[]> after = new TreeMap<>();
                put(after, "a/inner", x, 0100644);
                put(after, "d", x, 0100755);
                ObjectId edited = TreeEdits.apply(reader, ins, base, List.of(TreeEdits.Edit.delete("a"),
                        new TreeEdits.Edit("a/inner", x, 0100644), TreeEdits.Edit.delete("d/y"), new TreeEdits.Edit("d", x, 0100755)));
                assertThat(edited).isEqualTo(write(ins, after));
                assertThatThrownBy(() -> TreeEdits.apply(reader, ins, base, List.of(new TreeEdits.Edit("a/under-a-file", x, 0100644))))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThat(TreeEdits.apply(reader, ins, base, List.of(TreeEdits.Edit.delete("a"), TreeEdits.Edit.delete("d/y"))))
                        .as("nothing left").isEqualTo(ins.idFor(Constants.OBJ_TREE, new byte[0]));
            }
        }
    }

    private static boolean conflicts(TreeMap<String, Object[]> files, String p) {
        for (String f : files.keySet()) {
            if (f.startsWith(p + "/") || p.startsWith(f + "/")) {
                return true;
            }
        }
        return false;
    }

    private static void put(TreeMap<String, Object[]> files, String path, ObjectId blob, int mode) {
        if (!conflicts(files, path)) {
            files.put(path, new Object[] {blob, mode});
        }
    }

    private static String randomPath(Random r, String[] names) {
        StringBuilder sb = new StringBuilder(names[r.nextInt(names.length)]);
        for (int d = r.nextInt(3); d > 0; d--) {
            sb.append('/').append(names[r.nextInt(names.length)]);
        }
        return sb.toString();
    }

    private static ObjectId blob(ObjectInserter ins, String content) throws Exception {
        return ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectId write(ObjectInserter ins, TreeMap<String, Object[]> files) throws Exception {
        DirCache dc = DirCache.newInCore();
        DirCacheBuilder b = dc.builder();
        for (var e : files.entrySet()) {
            DirCacheEntry ent = new DirCacheEntry(e.getKey());
            ent.setObjectId((ObjectId) e.getValue()[0]);
            ent.setFileMode(FileMode.fromBits((Integer) e.getValue()[1]));
            b.add(ent);
        }
        b.finish();
        return dc.writeTree(ins);
    }
}
