package dev.agentsandbox.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Launcher;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker daemon is opened while the run prepares, on a thread of its own: a daemon that cannot
 * be reached still ends the run as an infrastructure error (exit 3) that says what to do, with
 * run.json saying why, the base branch where it was and no feature branch.
 */
class DaemonUnreachableIT {
    @TempDir
    Path tmp;

    @Test
    void aDaemonThatCannotBeReachedIsAClearInfrastructureErrorAndNothingIsLost() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        var base = repo.head("main");
        Path bundle = tmp.resolve("bundle");
        String socket = tmp.resolve("no-daemon.sock").toString();
        var r = Launcher.run(Map.of("DOCKER_HOST", "unix://" + socket), List.of(), "run", "--repo", repo.dir.toString(), "--task", "x",
                "--image", TestHost.IMAGE, "--command", "echo hi > /workspace/hi.txt", "--bundle", bundle.toString(), "--quiet");
        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("cannot reach the Docker daemon at unix://" + socket).contains("set DOCKER_HOST");
        JsonNode run = new ObjectMapper().readTree(Files.readString(bundle.resolve("run.json")));
        assertThat(run.get("verdict").asText()).isEqualTo("error");
        assertThat(run.get("error").asText()).contains("cannot reach the Docker daemon");
        assertThat(repo.head("main")).isEqualTo(base);
        try (Git g = Git.open(repo.dir.toFile())) {
            assertThat(g.getRepository().getRefDatabase().getRefsByPrefix("refs/heads/agent/")).isEmpty();
        }
    }
}
