package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.SandboxChild;

import dev.agentsandbox.sandbox.SandboxSpec;

import dev.agentsandbox.sandbox.SandboxResult;

import dev.agentsandbox.sandbox.OverlayUnavailableException;

import dev.agentsandbox.sandbox.OutputListener;

import dev.agentsandbox.sandbox.Mount;

import dev.agentsandbox.sandbox.Labels;



import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Container;
import dev.agentsandbox.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What outlives the process that ran a sandbox: memory use under floods, and orphans after a kill. */
class SandboxLifecycleIT {
    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() throws Exception {
        sandbox = DockerSandbox.connect();
    }

    @AfterAll
    static void close() {
        sandbox.close();
    }

    @Test
    void hundredMegabytesOfOutputPassThroughA48MegabyteHeap(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("child.log");
        Process p = ChildJvm.start(SandboxChild.class, List.of("-Xmx48m"), log,
                "flood", "head -c 100000000 /dev/zero | tr '\\0' 'a' | fold -w 200");
        assertThat(p.waitFor()).as(Files.readString(log)).isZero();
        String out = Files.readString(log);
        long bytes = Long.parseLong(out.replaceAll("(?s).*bytes (\\d+).*", "$1"));
        assertThat(bytes).isGreaterThanOrEqualTo(100_000_000L);
        assertThat(out).contains("truncated true");
    }

    @Test
    void cleanupRemovesTheContainerOfAKilledProcessButNotOfALiveOne(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("child.log");
        Process p = ChildJvm.start(SandboxChild.class, List.of(), log, "orphan", "sleep 300");
        String runId = awaitRunId(log);
        List<Container> before = awaitContainer(runId);
        assertThat(before).hasSize(1);
        p.destroyForcibly().waitFor();
        assertThat(containers(runId)).as("SIGKILL runs no shutdown hook: the container is orphaned").hasSize(1);

        int removed = sandbox.cleanup(false);
        assertThat(removed).isGreaterThanOrEqualTo(1);
        assertThat(containers(runId)).isEmpty();
    }

    @Test
    void anOverlayTheHostCannotMountIsReportedAsSuchAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        SandboxSpec spec = dev.agentsandbox.testing.TestHost.gvisor("overlay", "echo hi > /workspace/x", Duration.ofSeconds(30),
                Mount.overlay(tmp.resolve("no-such-lower"), upper, work, "/workspace"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sandbox.run(spec, OutputListener.NONE))
                .isInstanceOf(OverlayUnavailableException.class).hasMessageContaining("overlay");
        assertThat(containers(spec.runId())).isEmpty();
        var c = dev.agentsandbox.testing.DockerClients.open();
        try {
            assertThat(c.listVolumesCmd().withFilter("label", List.of(Labels.RUN + "=" + spec.runId())).exec().getVolumes())
                    .isNullOrEmpty();
        } finally {
            c.close();
        }
        assertThat(upper).isEmptyDirectory();
    }

    @Test
    void anOverlayWorkspaceTakesTheWritesInItsUpperFolderAndLeavesTheLowerAlone(@TempDir Path tmp) throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Files.writeString(lower.resolve("a.txt"), "base\n");
        Files.setPosixFilePermissions(lower.resolve("a.txt"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(lower, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Files.setPosixFilePermissions(upper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        SandboxSpec spec = dev.agentsandbox.testing.TestHost.gvisor("overlay", "cat a.txt && echo agent >> a.txt && echo new > b.txt",
                Duration.ofSeconds(30), Mount.overlay(lower, upper, work, "/workspace"));
        SandboxResult r = sandbox.run(spec, OutputListener.NONE);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("base");
        assertThat(Files.readString(lower.resolve("a.txt"))).isEqualTo("base\n");
        assertThat(lower.resolve("b.txt")).doesNotExist();
        assertThat(Files.readString(upper.resolve("a.txt"))).isEqualTo("base\nagent\n");
        assertThat(Files.readString(upper.resolve("b.txt"))).isEqualTo("new\n");
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("the volume is unmounted").doesNotContain(spec.runId());
    }

    @Test
    void cleanupLeavesTheSandboxOfALiveRunAlone() throws Exception {
        var spec = dev.agentsandbox.testing.TestHost.gvisor("live", "sleep 8", Duration.ofSeconds(60));
        Thread t = new Thread(() -> {
            try {
                sandbox.run(spec, OutputListener.NONE);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        awaitContainer(spec.runId());
        sandbox.cleanup(false);
        assertThat(containers(spec.runId())).hasSize(1);
        t.join(60_000);
        assertThat(containers(spec.runId())).isEmpty();
    }

    private static String awaitRunId(Path log) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            String s = Files.exists(log) ? Files.readString(log) : "";
            if (s.contains("run-id ")) {
                return s.replaceAll("(?s).*run-id (\\S+).*", "$1");
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the child never started: " + Files.readString(log));
    }

    private static List<Container> awaitContainer(String runId) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            List<Container> c = containers(runId);
            if (!c.isEmpty() && c.get(0).getState().equals("running")) {
                return c;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no running container for run " + runId);
    }

    private static List<Container> containers(String runId) {
        try (var c = dev.agentsandbox.testing.DockerClients.open()) {
            return c.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.RUN, runId)).exec();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
