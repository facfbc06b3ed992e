package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model upstream (a gateway, a provider) that answers 401 to the key the host gave: nothing the
 * agent does can fix that, so the agent is stopped at once and the run ends refused (exit 4), naming
 * the setting that holds the key, with run.json saying why; nothing is committed.
 */
class UpstreamRefusesKeyIT {
    @Test
    void a401ToTheHostsKeyEndsTheRunRefusedNamingTheSetting(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            SampleRepo repo = SampleRepo.create(tmp);
            // the scripted server answers count_tokens with 401, as a gateway does to a wrong key
            String agent = """
                    python3 -c '
                    import os, urllib.request
                    try:
                        urllib.request.urlopen(urllib.request.Request(os.environ["ANTHROPIC_BASE_URL"] + "/v1/messages/count_tokens", data=b"{}"))
                    except Exception as e:
                        print("agent saw", e)
                    '; sleep 60; echo done > done.txt""";
            long t0 = System.nanoTime();
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", agent, "--bundle",
                    tmp.resolve("b").toString(), "--model-provider", "anthropic", "--model-url", model.url(), "--model-key-env", "PATH");
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertThat(r.exitCode).as(r.toString()).isEqualTo(4);
            assertThat(r.err).contains("answered 401 Unauthorized").contains("the key in the host variable PATH (--model-key-env, key-env)");
            assertThat(seconds).as("the agent was stopped, not waited for").isLessThan(50);
            JsonNode run = new ObjectMapper().readTree(tmp.resolve("b/run.json").toFile());
            assertThat(run.get("verdict").asText()).isEqualTo("error");
            assertThat(run.get("headCommit").isNull()).isTrue();
            assertThat(Files.readString(tmp.resolve("b/audit.jsonl"))).contains("credentials-refused");
        }
    }
}
