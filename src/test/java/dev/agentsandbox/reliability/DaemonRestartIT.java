package dev.agentsandbox.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.testing.ChildJvm;
import dev.agentsandbox.testing.PrivateDockerd;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker daemon restarted in the middle of a run. The daemon is the test's own (a real dockerd
 * with the host's runsc): restarting the host's would break other runs that share this host.
 */
class DaemonRestartIT {
    @Test
    void aRestartedDaemonEndsTheRunWithTheInfrastructureCodeAndCleanupLeavesNothing(@TempDir Path tmp) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        ObjectId mainBefore = repo.head("main");
        Path config = Files.writeString(tmp.resolve("c.yml"), "sandbox: { timeout: 5m }\n");
        try (PrivateDockerd dockerd = PrivateDockerd.start(Files.createTempDirectory(Path.of("/tmp"), "dr-"), TestHost.IMAGE)) {
            Path log = tmp.resolve("run.log");
            Process run = ChildJvm.start(CliChild.class, List.of(), dockerd.env(), log, "run", "--repo", repo.dir.toString(), "--task", "wait",
                    "--image", TestHost.IMAGE, "--command", "sleep 120", "--config", config.toString(), "--bundle", tmp.resolve("b").toString(), "--quiet");
            String pid = Long.toString(run.pid());
            Instant deadline = Instant.now().plusSeconds(60);
            while (dockerd.containers(Labels.CREATOR_PID, pid).isEmpty() && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
            }
            assertThat(dockerd.containers(Labels.CREATOR_PID, pid)).as(Files.readString(log)).hasSize(1);
            List<String> volumes = dockerd.volumes(Labels.CREATOR_PID, pid);
            dockerd.restart();

            assertThat(run.waitFor(3, TimeUnit.MINUTES)).isTrue();
            String out = Files.readString(log);
            assertThat(run.exitValue()).as(out).isEqualTo(3);
            assertThat(out).contains("Docker daemon").doesNotContain("verdict:");
            JsonNode runJson = new ObjectMapper().readTree(tmp.resolve("b/run.json").toFile());
            assertThat(runJson.get("verdict").asText()).isEqualTo("error");
            assertThat(runJson.get("error").asText()).contains("Docker daemon");
            assertThat(repo.head("main")).isEqualTo(mainBefore);

            Process cleanup = ChildJvm.start(CliChild.class, List.of(), dockerd.env(), tmp.resolve("cleanup.log"), "cleanup");
            assertThat(cleanup.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(cleanup.exitValue()).as(Files.readString(tmp.resolve("cleanup.log"))).isZero();
            assertThat(dockerd.containers(Labels.CREATOR_PID, pid)).isEmpty();
            assertThat(dockerd.volumes(Labels.CREATOR_PID, pid)).isEmpty();
            assertThat(ReliabilityIT.leftoverMounts(run.pid(), volumes)).isEmpty();
            assertThat(ReliabilityIT.scratchOf(run.pid())).isEmpty();
        }
    }
}
