package dev.agentsandbox.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a run ends when the agent did no work, or was stopped by a limit: each says so, and CI can tell. */
class AgentOutcomesIT {
    @TempDir
    Path tmp;
    SampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
    }

    Cli run(String script) {
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", "do something", "--image", TestHost.IMAGE, "--command", script,
                "--bundle", tmp.resolve("bundle").toString());
    }

    JsonNode runJson() throws Exception {
        return new ObjectMapper().readTree(tmp.resolve("bundle/run.json").toFile());
    }

    @Test
    void anIdleAgentIsNotASuccess() throws Exception {
        Cli r = run("echo 'thinking hard'; true");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(5);
        assertThat(r.out).contains("the agent changed nothing: there is nothing to review (exit 5)");
        assertThat(runJson().get("verdict").asText()).isEqualTo("no-change");
        assertThat(runJson().get("exitCode").asInt()).isEqualTo(5);
        assertThat(java.nio.file.Files.readString(tmp.resolve("bundle/reports/summary.md"))).contains("the agent changed nothing");
        assertThat(Cli.run("verify", "--run", tmp.resolve("bundle").toString()).exitCode).isZero();
    }

    @Test
    void aSandboxEndedByTheProcessLimitSaysSo() throws Exception {
        Cli r = run("f() { f | f & }; f; sleep 20");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("pids-limit").contains("stopped by the process limit of 1024").contains("raise sandbox.pids");
    }
}
