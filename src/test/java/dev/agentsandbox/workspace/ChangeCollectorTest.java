package dev.agentsandbox.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.verdict.Finding;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export and collect on real repositories and real special files (the tests run as root). */
class ChangeCollectorTest {
    @TempDir
    Path tmp;
    Git git;
    Path ws;
    BaseSnapshot base;

    @BeforeEach
    void setUp() throws Exception {
        Path dir = tmp.resolve("repo");
        git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
        Files.writeString(dir.resolve("a.txt"), "one\ntwo\n");
        Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\n");
        dir.resolve("run.sh").toFile().setExecutable(true);
        Files.createSymbolicLink(dir.resolve("link"), Path.of("a.txt"));
        Files.writeString(dir.resolve(".gitignore"), "secret.env\n");
        Files.writeString(dir.resolve("secret.env"), "TOKEN=x\n");
        git.add().addFilepattern(".").call();
        git.commit().setMessage("base").setAuthor("a", "a@b").setCommitter("a", "a@b").setSign(false).call();
        ws = Files.createDirectory(tmp.resolve("ws"));
        base = new WorkspaceExporter(Clock.systemUTC()).export(git.getRepository(), git.getRepository().resolve("HEAD"), ws);
        Thread.sleep(10); // edits after the export must not look racily clean
    }

    Collected collect() throws Exception {
        Repository r = git.getRepository();
        try (ObjectReader reader = r.newObjectReader()) {
            return new ChangeCollector(1 << 20).collect(ws, base, reader);
        }
    }

    @Test
    void theExportHoldsTrackedFilesOnlyWithExecBitsAndSymlinks() throws Exception {
        assertThat(Files.exists(ws.resolve(".git"))).isFalse();
        assertThat(Files.exists(ws.resolve("secret.env"))).as("ignored files stay out").isFalse();
        assertThat(Files.isExecutable(ws.resolve("run.sh"))).isTrue();
        assertThat(Files.isSymbolicLink(ws.resolve("link"))).isTrue();
        assertThat(collect().change().isEmpty()).as("an untouched export is no change").isTrue();
    }

    @Test
    void addedModifiedAndDeletedFilesAreFoundWithTheirLines() throws Exception {
        Files.writeString(ws.resolve("a.txt"), "one\n2\nthree\n");
        Files.writeString(ws.resolve("b.txt"), "new\n");
        Files.delete(ws.resolve("run.sh"));
        Collected c = collect();
        assertThat(c.refused()).isFalse();
        assertThat(c.change().files()).extracting(FileChange::path, FileChange::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a.txt", FileChange.Kind.MODIFIED),
                org.assertj.core.groups.Tuple.tuple("b.txt", FileChange.Kind.ADDED),
                org.assertj.core.groups.Tuple.tuple("run.sh", FileChange.Kind.DELETED));
        FileChange a = c.change().files().get(0);
        assertThat(a.addedLines()).extracting(l -> l.number() + ":" + l.text()).containsExactly("2:2", "3:three");
        assertThat(a.removedLineCount()).isEqualTo(1);
    }

    @Test
    void aFifoADeviceNodeAndASocketAreRefused() throws Exception {
        assertThat(new ProcessBuilder("mkfifo", ws.resolve("pipe").toString()).start().waitFor()).isZero();
        assertThat(new ProcessBuilder("mknod", ws.resolve("null2").toString(), "c", "1", "3").start().waitFor()).isZero();
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(ws.resolve("sock")));
            Collected c = collect();
            assertThat(c.refused()).isTrue();
            assertThat(c.refusals()).extracting(Finding::path).containsExactlyInAnyOrder("pipe", "null2", "sock");
            assertThat(c.refusals()).extracting(Finding::rule).containsOnly("special-file");
            assertThat(c.change().isEmpty()).isTrue();
        }
    }

    @Test
    void symlinksThatLeaveTheWorkspaceAreRefusedWithoutBeingFollowed() throws Exception {
        Files.createSymbolicLink(ws.resolve("up"), Path.of("../../etc/passwd"));
        Files.createSymbolicLink(ws.resolve("abs"), Path.of("/etc/passwd"));
        Files.createDirectories(ws.resolve("d"));
        Files.createSymbolicLink(ws.resolve("d/chain"), Path.of("../up"));
        Files.createSymbolicLink(ws.resolve("d/ok"), Path.of("../a.txt"));
        Collected c = collect();
        assertThat(c.refusals()).extracting(Finding::path).containsExactlyInAnyOrder("up", "abs");
        assertThat(c.refusals()).extracting(Finding::rule).containsOnly("symlink-escape");
    }

    @Test
    void setuidOversizeGitMetadataAndBadNamesAreRefused() throws Exception {
        Path s = ws.resolve("s");
        Files.writeString(s, "x");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        new ProcessBuilder("chmod", "4755", s.toString()).start().waitFor();
        Files.write(ws.resolve("big.bin"), new byte[(1 << 20) + 1]);
        Files.createDirectories(ws.resolve("sub/.git/hooks"));
        Files.writeString(ws.resolve("sub/.git/hooks/pre-commit"), "touch /tmp/pwned");
        // A name with bytes that are not UTF-8, made through the shell: Java cannot even spell it.
        new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'bad\\377name')\"").directory(ws.toFile()).start().waitFor();
        Collected c = collect();
        assertThat(c.refusals()).extracting(Finding::rule).containsExactlyInAnyOrder("setuid", "oversize", "git-metadata", "file-name");
    }

    @Test
    void aFileRewrittenWithTheSameSizeAndTimeIsStillFound() throws Exception {
        Path a = ws.resolve("a.txt");
        var mtime = Files.getLastModifiedTime(a);
        Files.writeString(a, "ONE\ntwo\n");
        Files.setLastModifiedTime(a, mtime);
        assertThat(collect().change().files()).extracting(FileChange::path).containsExactly("a.txt");
    }

    @Test
    void changesInTwentyThousandFilesAreFound() throws Exception {
        Path many = Files.createDirectories(ws.resolve("many"));
        for (int i = 0; i < 20_000; i++) {
            Files.writeString(many.resolve("f" + i + ".txt"), "x" + i + "\n");
        }
        Collected c = collect();
        assertThat(c.change().files()).hasSize(20_000);
        assertThat(List.copyOf(c.headFiles().keySet())).hasSize(20_000);
    }
}
