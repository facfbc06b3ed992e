package dev.agentsandbox.gate.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.Tree;
import dev.agentsandbox.workspace.GitTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The head's manifests derived from the base's list and the change are exactly what a walk of the
 * head tree finds, for random changes (manifests added, edited, deleted, a folder replaced by a
 * file, names outside ASCII); and a warm run walks neither tree.
 */
class ManifestIndexTest {
    @TempDir
    Path tmp;

    private static final String[] NAMES = {"package.json", "requirements.txt", "pom.xml", "go.mod", "README.md", "main.py", "Cargo.toml",
        "pyproject.toml", "notes.txt", "package-lock.json"};
    private static final String[] DIRS = {"", "a/", "a/b/", "svc-é/", "node_modules/x/", "vendor/", "z.d/", "a-b/"};

    @Test
    void theDerivedListIsWhatAWalkOfTheHeadFinds() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 25; round++) {
            Path dir = Files.createDirectories(tmp.resolve("r" + round));
            try (Git git = Git.init().setDirectory(dir.toFile()).call()) {
                for (int i = 0; i < 30; i++) {
                    write(dir, DIRS[random.nextInt(DIRS.length)] + NAMES[random.nextInt(NAMES.length)], "v" + i);
                }
                ObjectId base = commit(git, "base");
                for (int i = 0; i < 8; i++) {
                    String path = DIRS[random.nextInt(DIRS.length)] + NAMES[random.nextInt(NAMES.length)];
                    switch (random.nextInt(3)) {
                        case 0 -> write(dir, path, "new " + i);
                        case 1 -> {
                            if (Files.isRegularFile(dir.resolve(path))) {
                                Files.delete(dir.resolve(path));
                            }
                        }
                        default -> {
                            // a folder replaced by a file of the same name
                            String folder = DIRS[1 + random.nextInt(DIRS.length - 1)];
                            dev.agentsandbox.workspace.Folders.delete(dir.resolve(folder));
                            write(dir, folder.substring(0, folder.length() - 1), "now a file");
                        }
                    }
                }
                git.add().addFilepattern(".").call();
                git.add().addFilepattern(".").setUpdate(true).call();
                ObjectId head = commit(git, "head");
                GitTree baseTree = new GitTree(git.getRepository(), base);
                GitTree headTree = new GitTree(git.getRepository(), head);
                List<String> derived = ManifestIndex.after(baseTree.paths(Manifests::isManifestName), changes(git, base, head));
                List<String> walked = headTree.paths(Manifests::isManifestName).stream().filter(Manifests::isManifest).toList();
                assertThat(derived.stream().filter(Manifests::isManifest).toList()).as("round " + round).isEqualTo(walked);
                assertThat(SbomBuilder.inventory(headTree, derived)).as("round " + round).isEqualTo(SbomBuilder.inventory(headTree));
            }
        }
    }

    @Test
    void aWarmRunWalksNeitherTree() throws Exception {
        AtomicInteger walks = new AtomicInteger();
        Tree tree = new Tree() {
            @Override
            public List<String> paths() {
                walks.incrementAndGet();
                return List.of("a/requirements.txt", "b.txt");
            }

            @Override
            public String id() {
                return "0123456789abcdef0123456789abcdef01234567";
            }

            @Override
            public Optional<byte[]> read(String path) {
                return Optional.of("flask==3.0\n".getBytes(StandardCharsets.UTF_8));
            }
        };
        ManifestIndex index = new ManifestIndex(tmp.resolve("manifests"));
        assertThat(index.of(tree)).containsExactly("a/requirements.txt");
        assertThat(new ManifestIndex(tmp.resolve("manifests")).of(tree)).containsExactly("a/requirements.txt");
        assertThat(walks).as("the second run reads the list kept for that tree").hasValue(1);
    }

    private static void write(Path dir, String path, String text) throws IOException {
        Path f = dir.resolve(path);
        // a file where a folder of the path goes: the folder wins
        for (Path p = dir.relativize(f.getParent() == null ? dir : f.getParent()); p != null && !p.toString().isEmpty(); p = p.getParent()) {
            if (Files.isRegularFile(dir.resolve(p))) {
                Files.delete(dir.resolve(p));
            }
        }
        if (Files.isDirectory(f)) {
            dev.agentsandbox.workspace.Folders.delete(f);
        }
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private static ObjectId commit(Git git, String message) throws Exception {
        git.add().addFilepattern(".").call();
        return git.commit().setMessage(message).setAuthor("t", "t@example.invalid").setCommitter("t", "t@example.invalid")
                .setSign(false).setAllowEmpty(true).call().getId();
    }

    private static List<FileChange> changes(Git git, ObjectId base, ObjectId head) throws Exception {
        List<FileChange> out = new ArrayList<>();
        try (RevWalk rw = new RevWalk(git.getRepository()); var reader = git.getRepository().newObjectReader()) {
            CanonicalTreeParser a = new CanonicalTreeParser(null, reader, rw.parseCommit(base).getTree());
            CanonicalTreeParser b = new CanonicalTreeParser(null, reader, rw.parseCommit(head).getTree());
            for (DiffEntry d : git.diff().setOldTree(a).setNewTree(b).call()) {
                switch (d.getChangeType()) {
                    case ADD -> out.add(new FileChange(d.getNewPath(), FileChange.Kind.ADDED, 0, d.getNewMode().getBits(), false, 0, List.of(), 0));
                    case DELETE -> out.add(new FileChange(d.getOldPath(), FileChange.Kind.DELETED, d.getOldMode().getBits(), 0, false, 0, List.of(), 0));
                    default -> out.add(new FileChange(d.getNewPath(), FileChange.Kind.MODIFIED, d.getOldMode().getBits(), d.getNewMode().getBits(),
                            false, 0, List.of(), 0));
                }
            }
        }
        return out;
    }
}
