package dev.agentsandbox.hostsafety;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scratch folder (AGENT_SANDBOX_SCRATCH, default $TMPDIR/agent-sandbox) is made private, and one
 * that another local user prepared (their own folder, a link, a link inside it) is refused before
 * a run writes or changes anything there: a root run never chmods or fills a folder of their choosing.
 */
class ScratchTrustIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    Path victim;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        victim = Files.createDirectories(tmp.resolve("victim"));
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The real launcher in a child process, with AGENT_SANDBOX_SCRATCH set. */
    record Result(int exit, String output) {
    }

    Result run(Path scratch) throws Exception {
        var r = dev.agentsandbox.testing.Launcher.run(java.util.Map.of("AGENT_SANDBOX_SCRATCH", scratch.toString()), List.of(), "run",
                "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo hi > /workspace/hi.txt",
                "--bundle", tmp.resolve("bundle-" + System.nanoTime()).toString());
        return new Result(r.exit(), r.output());
    }

    List<Path> contents(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void aScratchFolderThatIsALinkIsRefusedAndItsTargetUntouched() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("scratch-link"), victim);
        Result r = run(link);
        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("is a symbolic link").contains("refusing");
        assertThat(contents(victim)).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void anExportsFolderPlantedAsALinkIsRefused() throws Exception {
        Path scratch = Files.createDirectory(tmp.resolve("scratch"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(scratch.resolve("exports"), victim);
        Result r = run(scratch);
        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("exports is a symbolic link");
        assertThat(contents(victim)).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void aFolderOfAnotherUserOrOneOthersMayWriteIsRefused() throws Exception {
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 4242);
        Result r = run(theirs);
        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("belongs to uid 4242");
        assertThat(contents(theirs)).isEmpty();

        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result r2 = run(open);
        assertThat(r2.exit()).as(r2.output()).isEqualTo(3);
        assertThat(r2.output()).contains("is writable by other users");
    }

    @Test
    void aScratchReachedThroughALinkedParentIsRefusedAndANewOneIsPrivate() throws Exception {
        Path linkedParent = Files.createSymbolicLink(tmp.resolve("parent-link"), victim);
        Result r = run(linkedParent.resolve("scratch"));
        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("reached through a symbolic link");

        Path fresh = tmp.resolve("fresh/scratch");
        Result ok = run(fresh);
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(Files.isSymbolicLink(fresh)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh, LinkOption.NOFOLLOW_LINKS))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve("exports"), LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rwx------");
    }
}
