package dev.agentsandbox.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.workspace.ScratchArea;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.testing.ChildJvm;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.Leftovers;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import dev.agentsandbox.workspace.ExportCache;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When things go wrong: killed CLI, full or read-only disk, bad input; and many runs in a row. */
class ReliabilityIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    ObjectId mainBefore;
    Path noChecks;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        mainBefore = repo.head("main");
        noChecks = Files.writeString(tmp.resolve("no-checks.yml"), "agent: { identity: { name: A, email: a@x.invalid } }\n");
    }

    /**
     * Mounts on this host of one process's runs: its workspace volumes, or its scratch folders
     * (named "run.pid.start"). Only its own, since other runs of this tool may share the host.
     */
    static List<String> leftoverMounts(long pid, List<String> volumes) throws IOException {
        String scratch = ScratchArea.of(System.getenv()).base() + "/";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> volumes.stream().anyMatch(v -> l.contains("/volumes/" + v + "/"))
                        || l.matches(".*" + java.util.regex.Pattern.quote(scratch) + "[^/ ]*\\." + pid + "\\.[0-9]+[/ ].*")).toList();
    }

    static List<Path> scratchOf(long pid) throws IOException {
        if (!Files.isDirectory(ScratchArea.of(System.getenv()).base())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(ScratchArea.of(System.getenv()).base())) {
            return s.filter(p -> p.getFileName().toString().contains("." + pid + ".")).toList();
        }
    }

    @Test
    void aCliKilledMidRunLeavesNothingAfterCleanupAndTheBaseIsUntouched() throws Exception {
        Path log = tmp.resolve("child.log");
        Process p = ChildJvm.start(CliChild.class, List.of("-Dfile.encoding=UTF-8"), log, "run", "--repo", repo.dir.toString(),
                "--task", "sleep", "--image", TestHost.IMAGE, "--command", "echo x >> calc.py; sleep 300",
                "--bundle", tmp.resolve("bundle").toString(), "--config", noChecks.toString());
        String pid = Long.toString(p.pid());
        Instant deadline = Instant.now().plusSeconds(60);
        while (Leftovers.containers(Labels.CREATOR_PID, pid).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertThat(Leftovers.containers(Labels.CREATOR_PID, pid)).as(Files.readString(log)).hasSize(1);
        List<String> volumes = Leftovers.volumes(Labels.CREATOR_PID, pid);
        assertThat(volumes).as("the overlay workspace's volume").hasSize(1);
        assertThat(scratchOf(p.pid())).hasSize(1);
        assertThat(leftoverMounts(p.pid(), volumes)).as("the run's own mounts are seen").isNotEmpty();
        p.destroyForcibly().waitFor();

        Cli c = Cli.run("cleanup");
        assertThat(c.exitCode).as(c.toString()).isZero();
        assertThat(Leftovers.containers(Labels.CREATOR_PID, pid)).isEmpty();
        assertThat(Leftovers.volumes(Labels.CREATOR_PID, pid)).isEmpty();
        assertThat(leftoverMounts(p.pid(), volumes)).isEmpty();
        assertThat(scratchOf(p.pid())).isEmpty();
        assertThat(repo.head("main")).isEqualTo(mainBefore);
        try (var g = org.eclipse.jgit.api.Git.open(repo.dir.toFile())) {
            assertThat(g.branchList().call()).hasSize(1);
            assertThat(g.status().call().isClean()).isTrue();
        }
    }

    @Test
    void aFullDiskWhereTheBundleGoesIsAClearErrorAndNothingIsLost() throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small"));
        assertThat(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", small.toString()).start().waitFor()).isZero();
        try {
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "big log", "--image", TestHost.IMAGE,
                    "--command", "head -c 300000 /dev/zero | tr '\\0' 'z' | fold -w 100", "--bundle", small.resolve("b").toString(),
                    "--config", noChecks.toString(), "--quiet");
            assertThat(r.exitCode).as(r.toString()).isEqualTo(3);
            assertThat(r.err).contains("No space left on device");
            assertThat(repo.head("main")).isEqualTo(mainBefore);
            assertThat(Leftovers.containers(Labels.MANAGED, "true").stream()
                    .filter(c -> String.valueOf(ProcessHandle.current().pid()).equals(c.getLabels().get(Labels.CREATOR_PID)))).isEmpty();
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    @Test
    void aReadOnlyBundleFolderIsAUsageError() throws Exception {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        assertThat(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=16k", "tmpfs", ro.toString()).start().waitFor()).isZero();
        try {
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                    "--bundle", ro.resolve("b").toString());
            assertThat(r.exitCode).isEqualTo(2);
            assertThat(r.err).contains("cannot create the bundle folder").contains("Read-only file system");
        } finally {
            new ProcessBuilder("umount", ro.toString()).start().waitFor();
        }
    }

    @Test
    void aCorruptConfigurationAndAMissingImageAreClearErrors() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.yml"), "sandbox:\n  memory: [1, 2\n  tier: x\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--config", bad.toString(), "--bundle", tmp.resolve("b1").toString());
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains(bad + ":").contains("not valid YAML");

        Cli m = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", "agent-sandbox/nope:0", "--command", "true",
                "--config", noChecks.toString(), "--bundle", tmp.resolve("b2").toString());
        assertThat(m.exitCode).isEqualTo(3);
        assertThat(m.err).contains("image 'agent-sandbox/nope:0' does not exist");
        assertThat(new ObjectMapper().readTree(tmp.resolve("b2/run.json").toFile()).get("verdict").asText()).isEqualTo("error");
        assertThat(new ObjectMapper().readTree(tmp.resolve("b2/run.json").toFile()).get("error").asText()).contains("does not exist");
        assertThat(repo.head("main")).isEqualTo(mainBefore);

        Cli notRepo = Cli.run("run", "--repo", tmp.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--bundle", tmp.resolve("b3").toString());
        assertThat(notRepo.exitCode).isEqualTo(2);
        assertThat(notRepo.err).contains("is not a git repository");
    }

    @Test
    void aHundredRunsInARowLeaveNoGrowthInContainersFilesDescriptorsOrThreads() throws Exception {
        long pid = ProcessHandle.current().pid();
        int[] fds = new int[2];
        int[] threads = new int[2];
        for (int i = 0; i < 100; i++) {
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "note " + i, "--image", TestHost.IMAGE,
                    "--command", "echo " + i + " >> NOTES.md", "--config", noChecks.toString(), "--bundle", tmp.resolve("runs/" + i).toString(), "--quiet");
            assertThat(r.exitCode).as(r.toString()).isZero();
            if (i == 9 || i == 99) {
                System.gc();
                Thread.sleep(500);
                int k = i == 9 ? 0 : 1;
                try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                    fds[k] = (int) s.count();
                }
                threads[k] = ManagementFactory.getThreadMXBean().getThreadCount();
            }
        }
        assertThat(fds[1]).as("open file descriptors after 10 and 100 runs").isLessThanOrEqualTo(fds[0] + 5);
        assertThat(threads[1]).as("threads after 10 and 100 runs").isLessThanOrEqualTo(threads[0] + 5);
        assertThat(Leftovers.containers(Labels.CREATOR_PID, Long.toString(pid))).isEmpty();
        assertThat(Leftovers.volumes(Labels.CREATOR_PID, Long.toString(pid))).isEmpty();
        assertThat(scratchOf(pid)).isEmpty();
        try (Stream<Path> exports = Files.list(ScratchArea.of(System.getenv()).base().resolve("exports"))) {
            assertThat(exports.filter(Files::isDirectory).count()).as("shared exports kept").isLessThanOrEqualTo(ExportCache.KEEP);
        }
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }
}
