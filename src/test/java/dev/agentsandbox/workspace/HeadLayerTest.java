package dev.agentsandbox.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.change.FileChange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the checks' head layer holds, and which folders it marks opaque (the overlay itself is tested in OverlayWorkspaceIT). */
class HeadLayerTest {
    @TempDir
    Path tmp;
    Path work;
    Git git;

    @BeforeEach
    void baseCommit() throws Exception {
        work = tmp.resolve("repo");
        git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call();
        write("top.txt", "top");
        write("a/x.txt", "x");
        write("a/y.txt", "y");
        write("a/b/z.txt", "z");
        write("c/keep.txt", "keep");
        commit("base");
    }

    @Test
    void withoutWhiteoutsADeepDeletionMakesTheNearestRemainingFolderOpaqueAndWhole() throws Exception {
        HeadLayer layer = deepChange(false);
        assertThat(layer.whole()).isFalse();
        assertThat(files(layer.dir())).containsExactly("a/x.txt", "a/y.txt", "n/new.txt");
        assertThat(Files.readString(layer.dir().resolve("a/x.txt"))).isEqualTo("x2");
        assertThat(opaque(layer.dir().resolve("a"))).isTrue();
        assertThat(opaque(layer.dir().resolve("n"))).as("a folder with only additions merges with the base").isFalse();
        assertThat(whiteouts(layer.dir())).isEmpty();
    }

    @Test
    void withWhiteoutsADeepDeletionIsOneWhiteoutAtTheHighestPathTheHeadLost() throws Exception {
        HeadLayer layer = deepChange(true);
        assertThat(layer.whole()).isFalse();
        assertThat(files(layer.dir())).containsExactly("a/x.txt", "n/new.txt");
        assertThat(whiteouts(layer.dir())).containsExactly("a/b");
        assertThat(opaque(layer.dir().resolve("a"))).isFalse();
    }

    @Test
    void aDeletionAtTheTopLevelIsAWhiteoutOrElseTheWholeTree() throws Exception {
        Files.delete(work.resolve("top.txt"));
        Files.delete(work.resolve("c/keep.txt"));
        ObjectId head = commit("head");
        List<FileChange> change = List.of(change("top.txt", FileChange.Kind.DELETED), change("c/keep.txt", FileChange.Kind.DELETED));
        HeadLayer plain = HeadLayer.build(git.getRepository(), head, change, tmp.resolve("plain"), Clock.systemUTC(), false);
        assertThat(plain.whole()).isTrue();
        assertThat(files(plain.dir())).containsExactly("a/b/z.txt", "a/x.txt", "a/y.txt");
        HeadLayer marked = HeadLayer.build(git.getRepository(), head, change, tmp.resolve("marked"), Clock.systemUTC(), true);
        assertThat(marked.whole()).isFalse();
        assertThat(files(marked.dir())).isEmpty();
        assertThat(whiteouts(marked.dir())).containsExactly("c", "top.txt");
    }

    @Test
    void aDeletionUnderAFileOrFolderTheHeadHasNeedsNothingMore() throws Exception {
        Files.delete(work.resolve("a/b/z.txt"));
        Files.delete(work.resolve("a/b"));
        write("a/b", "now a file");
        Files.delete(work.resolve("top.txt"));
        write("top.txt/inside.txt", "now a folder");
        ObjectId head = commit("head");
        List<FileChange> change = List.of(change("a/b/z.txt", FileChange.Kind.DELETED), change("a/b", FileChange.Kind.ADDED),
                change("top.txt", FileChange.Kind.DELETED), change("top.txt/inside.txt", FileChange.Kind.ADDED));
        for (boolean w : new boolean[] {false, true}) {
            HeadLayer layer = HeadLayer.build(git.getRepository(), head, change, tmp.resolve("layer-" + w), Clock.systemUTC(), w);
            assertThat(layer.whole()).isFalse();
            assertThat(files(layer.dir())).containsExactly("a/b", "top.txt/inside.txt");
            assertThat(whiteouts(layer.dir())).isEmpty();
            assertThat(opaque(layer.dir().resolve("a"))).isFalse();
        }
    }

    @Test
    void manyDeletionsAreAllWhitedOut() throws Exception {
        List<FileChange> change = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            write("many/f" + i + ".txt", "f" + i);
            change.add(change("many/f" + i + ".txt", FileChange.Kind.DELETED));
        }
        write("many/kept.txt", "kept");
        commit("many files");
        try (Stream<Path> s = Files.list(work.resolve("many"))) {
            for (Path p : s.filter(p -> !p.endsWith("kept.txt")).toList()) {
                Files.delete(p);
            }
        }
        ObjectId head = commit("most deleted");
        HeadLayer layer = HeadLayer.build(git.getRepository(), head, change, tmp.resolve("layer"), Clock.systemUTC(), true);
        assertThat(whiteouts(layer.dir())).hasSize(1200).contains("many/f0.txt", "many/f1199.txt");
        assertThat(files(layer.dir())).isEmpty();
    }

    private HeadLayer deepChange(boolean whiteouts) throws Exception {
        Files.delete(work.resolve("a/b/z.txt"));
        write("a/x.txt", "x2");
        write("n/new.txt", "new");
        ObjectId head = commit("head");
        return HeadLayer.build(git.getRepository(), head, List.of(change("a/b/z.txt", FileChange.Kind.DELETED),
                change("a/x.txt", FileChange.Kind.MODIFIED), change("n/new.txt", FileChange.Kind.ADDED)), tmp.resolve("layer"),
                Clock.systemUTC(), whiteouts);
    }

    private static List<String> whiteouts(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            List<String> out = new java.util.ArrayList<>();
            for (Path p : s.toList()) {
                var a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
                if ((((Integer) a.get("mode")) & 0170000) == 0020000 && ((Long) a.get("rdev")) == 0L) {
                    out.add(dir.relativize(p).toString());
                }
            }
            return out.stream().sorted().toList();
        }
    }

    private void write(String path, String content) throws Exception {
        Path p = work.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private ObjectId commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        git.add().addFilepattern(".").setUpdate(true).call();
        return git.commit().setMessage(message).setAuthor("Dev", "dev@example.invalid").setCommitter("Dev", "dev@example.invalid")
                .setSign(false).call().getId();
    }

    private static FileChange change(String path, FileChange.Kind kind) {
        return new FileChange(path, kind, kind == FileChange.Kind.ADDED ? 0 : 0100644, kind == FileChange.Kind.DELETED ? 0 : 0100644,
                false, 0, List.of(), 0);
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static boolean opaque(Path dir) throws Exception {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (!v.list().contains(HeadLayer.OPAQUE)) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(v.size(HeadLayer.OPAQUE));
        v.read(HeadLayer.OPAQUE, b);
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).equals("y");
    }
}
