package dev.agentsandbox.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.Leftovers;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Docker daemon restarted in the middle of a run (this test restarts the machine's dockerd). */
class DaemonRestartIT {
    @Test
    void aRestartedDaemonEndsTheRunWithTheInfrastructureCodeAndCleanupLeavesNothing(@TempDir Path tmp) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        ObjectId mainBefore = repo.head("main");
        Path config = Files.writeString(tmp.resolve("c.yml"), "sandbox: { timeout: 5m }\n");
        String pid = Long.toString(ProcessHandle.current().pid());
        CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> Cli.run("run", "--repo", repo.dir.toString(), "--task", "wait",
                "--image", TestHost.IMAGE, "--command", "sleep 120", "--config", config.toString(), "--bundle", tmp.resolve("b").toString(), "--quiet"));
        Instant deadline = Instant.now().plusSeconds(60);
        while (Leftovers.containers(Labels.CREATOR_PID, pid).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertThat(Leftovers.containers(Labels.CREATOR_PID, pid)).hasSize(1);
        restartDockerd();

        Cli r = run.get(3, TimeUnit.MINUTES);
        assertThat(r.exitCode).as(r.toString()).isEqualTo(3);
        assertThat(r.err).contains("Docker daemon");
        assertThat(r.out).doesNotContain("verdict:");
        JsonNode runJson = new ObjectMapper().readTree(tmp.resolve("b/run.json").toFile());
        assertThat(runJson.get("verdict").asText()).isEqualTo("error");
        assertThat(runJson.get("error").asText()).contains("Docker daemon");
        assertThat(repo.head("main")).isEqualTo(mainBefore);

        assertThat(Cli.run("cleanup", "--all").exitCode).isZero();
        assertThat(Leftovers.containers(Labels.CREATOR_PID, pid)).isEmpty();
        assertThat(Leftovers.volumes(Labels.CREATOR_PID, pid)).isEmpty();
        assertThat(ReliabilityIT.leftoverMounts()).isEmpty();
        assertThat(ReliabilityIT.scratchOf(ProcessHandle.current().pid())).isEmpty();
    }

    static void restartDockerd() throws Exception {
        if (Files.isDirectory(Path.of("/run/systemd/system"))) {
            assertThat(new ProcessBuilder("systemctl", "restart", "docker").inheritIO().start().waitFor()).isZero();
        } else {
            new ProcessBuilder("pkill", "-TERM", "-x", "dockerd").start().waitFor();
            Instant stop = Instant.now().plusSeconds(60);
            while (new ProcessBuilder("pgrep", "-x", "dockerd").start().waitFor() == 0 && Instant.now().isBefore(stop)) {
                Thread.sleep(200);
            }
            new ProcessBuilder("sh", "-c", "nohup dockerd >>/var/log/dockerd.log 2>&1 &").start().waitFor();
        }
        Instant up = Instant.now().plusSeconds(60);
        while (new ProcessBuilder("docker", "info").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor() != 0) {
            assertThat(Instant.now()).as("dockerd came back").isBefore(up);
            Thread.sleep(500);
        }
    }
}
