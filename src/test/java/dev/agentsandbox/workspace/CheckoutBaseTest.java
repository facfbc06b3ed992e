package dev.agentsandbox.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkout is stood on only where it is the base tree, byte for byte, and everything else is
 * hidden. The checkouts are made by the git CLI, as a CI's checkout step makes them, and handed to
 * uid 1001 (a GitHub runner's user).
 */
class CheckoutBaseTest {
    private static final int RUNNER = 1001;
    @TempDir
    Path tmp;
    private Path work;

    @BeforeEach
    void checkout() throws Exception {
        work = tmp.resolve("repo");
        Files.createDirectories(work);
        git("init", "-q", "-b", "main");
        write("README.md", "hello\n");
        write("src/app.py", "print(1)\n");
        write("bin/run.sh", "#!/bin/sh\n");
        Files.setPosixFilePermissions(work.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(work.resolve("src/app.py"), PosixFilePermissions.fromString("rw-r--r--"));
        write(".gitignore", "build/\n*.log\n");
        Files.createSymbolicLink(work.resolve("link"), Path.of("src/app.py"));
        git("add", ".");
        git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "base");
    }

    @Test
    void aCleanCheckoutIsStoodOnAndWhatCiLeftIsHidden() throws Exception {
        // What a CI job leaves in its checkout: a token in .git/config, a .env, build output, a log,
        // an untracked folder, a nested repository, and a .git inside a tracked folder.
        git("remote", "add", "origin", "https://x-access-token:ghs_planted@forge.invalid/r.git");
        write(".env", "AWS_SECRET_ACCESS_KEY=planted\n");
        write("build/out.class", "x");
        write("run.log", "x");
        write("notes/deep/todo.txt", "x");
        write("vendor/lib/.git/config", "[core]\n");
        CheckoutBase.Outcome examined = examine(head());
        assertThat(examined).as(examined.toString()).isInstanceOf(CheckoutBase.Usable.class);
        var o = (CheckoutBase.Usable) examined;
        assertThat(o.owner()).isEqualTo(RUNNER);
        assertThat(o.layers()).hasSize(2).endsWith(work.toRealPath());
        assertThat(whiteouts(o.layers().get(0))).containsExactly(".env", ".git", "build", "notes", "run.log", "vendor");
        assertThat(o.files()).isEqualTo(5);
        assertThat(Files.readString(work.resolve(".git/config"))).contains("ghs_planted"); // never written
    }

    @Test
    void namesInAnyScriptAreHiddenAndANameThatIsNotUtf8IsAReason() throws Exception {
        write("notes-ünï 日本/ø.txt", "x");
        write("spaces and\nnewline", "x");
        var o = (CheckoutBase.Usable) examine(head());
        assertThat(whiteouts(o.layers().get(0))).containsExactly(".git", "notes-ünï 日本", "spaces and\nnewline");
        run(List.of("sh", "-c", "echo x > \"$(printf 'caf\\351')\""), work); // Latin-1 bytes: no UTF-8 name
        chown(work);
        assertThat(refusal(head())).contains("is not valid UTF-8");
    }

    @Test
    void aGitFolderInsideATrackedFolderIsHidden() throws Exception {
        Files.createDirectories(work.resolve("src/.git"));
        Files.writeString(work.resolve("src/.git/config"), "[credential]\n");
        var o = (CheckoutBase.Usable) examine(head());
        assertThat(whiteouts(o.layers().get(0))).containsExactly(".git", "src/.git");
    }

    @Test
    void aFileChangedInTheCheckoutIsNotStoodOn() throws Exception {
        write("src/app.py", "print(2)\n");
        assertThat(refusal(head())).contains("src/app.py differs from the base commit");
    }

    @Test
    void anEntryAsNewAsTheIndexIsRacilyCleanAndRead() throws Exception {
        // Written in the moment git wrote the index: git's stat data cannot vouch for it, and JGit smudges it.
        Path app = work.resolve("src/app.py");
        FileTime written = Files.getLastModifiedTime(app);
        Files.writeString(app, "print(9)\n");
        Files.setLastModifiedTime(app, written);
        Files.setLastModifiedTime(work.resolve(".git/index"), written);
        assertThat(refusal(head())).contains("src/app.py differs from the base commit");
    }

    @Test
    void aFileWhoseInodeChangedAfterTheIndexWasWrittenIsRead() throws Exception {
        // touch -r / cp -p put the mtime back; the ctime cannot be put back, and says the file was written.
        Path app = work.resolve("src/app.py");
        FileTime written = Files.getLastModifiedTime(app);
        Thread.sleep(20);
        Files.writeString(app, "print(9)\n");
        Files.setLastModifiedTime(app, written);
        var touchedBefore = (CheckoutBase.Refused) examine(head());
        assertThat(touchedBefore.reason()).contains("src/app.py differs from the base commit");
    }

    @Test
    void whatIsWrittenAfterTheExaminationIsSeenBeforeTheChecksStandOnIt() throws Exception {
        var o = (CheckoutBase.Usable) examine(head());
        assertThat(o.changed()).isNull();
        Thread.sleep(20);
        Files.writeString(work.resolve("src/late.log"), "written by a process a step left running");
        assertThat(o.changed()).isEqualTo("src changed");
    }

    @Test
    void aFolderAboveItThatOthersMayChangeOrAMountInsideItIsAReason() throws Exception {
        Path parent = work.getParent();
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(refusal(head())).contains("above it may be changed by another user");
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        run(List.of("mount", "-t", "tmpfs", "none", work.resolve("src").toString()), work);
        try {
            assertThat(refusal(head())).contains("a file system is mounted inside it, at " + work.toRealPath().resolve("src"));
        } finally {
            run(List.of("umount", work.resolve("src").toString()), work);
        }
    }

    @Test
    void aConversionJGitCannotSeeIsCaughtByTheBlobsSize() throws Exception {
        // autocrlf given on the command line of the checkout: no setting or attribute says so afterwards
        write("doc.txt", "a\nb\n");
        git("add", "doc.txt");
        git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "doc");
        Files.delete(work.resolve("doc.txt"));
        git("-c", "core.autocrlf=true", "checkout", "-q", "--", "doc.txt");
        git("-c", "core.autocrlf=true", "update-index", "--refresh"); // records the stat data the chown left
        assertThat(Files.readString(work.resolve("doc.txt"))).isEqualTo("a\r\nb\r\n");
        assertThat(refusal(head())).contains("doc.txt differs from the base commit");
    }

    @Test
    void stagedDeletedAndModeChangesAreEachAReason() throws Exception {
        write("new.txt", "x");
        git("add", "new.txt");
        assertThat(refusal(head())).contains("new.txt is in the index but not in the base commit");
        git("rm", "-q", "--cached", "new.txt");
        Files.delete(work.resolve("new.txt"));
        Files.delete(work.resolve("README.md"));
        assertThat(refusal(head())).contains("README.md is missing from the checkout");
        git("checkout", "-q", "--", "README.md");
        Files.setPosixFilePermissions(work.resolve("src/app.py"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(refusal(head())).contains("src/app.py has another executable bit");
    }

    @Test
    void aCheckoutOfAnotherCommitIsNotTheBase() throws Exception {
        ObjectId base = head();
        write("README.md", "later\n");
        git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qam", "later");
        assertThat(refusal(base)).contains("README.md differs in the index from the base commit");
    }

    @Test
    void aFileCheckoutConvertsIsReadAndItsConvertedBytesAreNotTheBase() throws Exception {
        write(".gitattributes", "*.txt eol=crlf\n");
        write("doc.txt", "a\nb\n");
        git("add", ".");
        git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "crlf");
        Files.delete(work.resolve("doc.txt"));
        git("checkout", "-q", "--", "doc.txt"); // git writes a\r\nb\r\n
        assertThat(Files.readString(work.resolve("doc.txt"))).contains("\r\n");
        assertThat(refusal(head())).contains("doc.txt differs from the base commit");
    }

    @Test
    void aCheckoutOfRootOrOfAnotherUserIsNotStoodOn() throws Exception {
        try (Repository repo = open()) {
            Files.createDirectories(tmp.resolve("layer"));
            run(List.of("chown", "-R", "0:0", work.toString()), work);
            assertThat(((CheckoutBase.Refused) CheckoutBase.examine(repo, head(), tmp.resolve("layer"), 0)).reason())
                    .contains("belongs to root");
            chown(work);
            assertThat(((CheckoutBase.Refused) CheckoutBase.examine(repo, head(), tmp.resolve("layer"), 1002)).reason())
                    .contains("belongs to uid 1001, not to this process's user (1002)");
        }
    }

    @Test
    void aTrackedFileOfAnotherOwnerIsAReason() throws Exception {
        Files.setAttribute(work.resolve("src/app.py"), "unix:uid", 0);
        assertThat(refusal(head())).contains("src/app.py is not the checkout owner's");
    }

    private String refusal(ObjectId commit) throws Exception {
        CheckoutBase.Outcome o = examine(commit);
        assertThat(o).isInstanceOf(CheckoutBase.Refused.class);
        return ((CheckoutBase.Refused) o).reason();
    }

    private CheckoutBase.Outcome examine(ObjectId commit) throws Exception {
        Path layer = Files.createDirectories(tmp.resolve("layer-" + System.nanoTime()));
        try (Repository repo = open()) {
            return CheckoutBase.examine(repo, commit, layer, RUNNER);
        }
    }

    private static List<String> whiteouts(Path layer) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(layer)) {
            s.filter(Whiteouts::is).forEach(p -> found.add(layer.relativize(p).toString()));
        }
        return new ArrayList<>(new TreeSet<>(found));
    }

    private Repository open() throws IOException {
        return new FileRepositoryBuilder().setWorkTree(work.toFile()).setGitDir(work.resolve(".git").toFile()).build();
    }

    private ObjectId head() throws IOException {
        try (Repository repo = open()) {
            return repo.resolve("HEAD");
        }
    }

    private void write(String path, String text) throws Exception {
        Path f = work.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
        chown(work);
    }

    /** Hands what root made to the runner's user; what is the user's already keeps its ctime (git's index recorded it). */
    private static void chown(Path p) throws Exception {
        run(List.of("find", p.toString(), "!", "-user", String.valueOf(RUNNER), "-exec", "chown", "-h", RUNNER + ":" + RUNNER, "{}", "+"), p);
    }

    private void git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "safe.directory=*"));
        cmd.addAll(List.of(args));
        run(cmd, work);
        chown(work); // the runner's user made the checkout
    }

    private static void run(List<String> cmd, Path dir) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(cmd + ": " + out);
        }
    }
}
