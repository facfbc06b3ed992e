package dev.agentsandbox.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every program the agent runs is recorded from gVisor's kernel (a runsc trace session, not anything
 * inside the sandbox) into the hash-chained audit log, with its arguments, working folder, parent and
 * exit; the attestation carries the records' digest. An agent that renames or hides its tools, or
 * deletes its own history, does not change what the kernel saw.
 */
class ProcessLogIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theAgentsProgramsAreOnTheRecordWithTheirArguments() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path bundle = tmp.resolve("bundle");
        // hides a command behind a copied, renamed binary and a base64 layer; removes its shell history
        String script = "python3 -c 'print(6*7)'; git --version; cp /usr/bin/git /tmp/harmless 2>/dev/null || true;"
                + " echo Z2l0IC0tdmVyc2lvbgo= | base64 -d | sh; sh -c 'exit 3' || true; rm -f ~/.bash_history;"
                + " /bin/echo \"$(printf 'clear\\033[2Jscreen')\" > /dev/null;"
                + " printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py";
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE, "--command", script,
                "--bundle", bundle.toString());
        assertThat(r.exitCode).as(r.toString()).isIn(0);
        List<JsonNode> events = Files.readAllLines(bundle.resolve("audit.jsonl")).stream().map(ProcessLogIT::read).toList();
        List<JsonNode> processes = events.stream().filter(e -> "process".equals(e.path("event").asText()) && "agent".equals(e.path("stage").asText()))
                .map(e -> e.path("data")).toList();
        // the check's programs are on the record too, under its name
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("stage").asText()).isEqualTo("tests");
            assertThat(e.path("event").asText()).isEqualTo("process");
            assertThat(e.path("data").path("argv").toString()).contains("python3");
        });
        assertThat(processes).anySatisfy(p -> {
            assertThat(p.path("type").asText()).isEqualTo("process");
            assertThat(p.path("argv").toString()).isEqualTo("[\"python3\",\"-c\",\"print(6*7)\"]");
            assertThat(p.path("cwd").asText()).isEqualTo("/workspace");
            assertThat(p.path("exit").asText()).isEqualTo("exit 0");
            assertThat(p.path("ppid").asInt()).isPositive();
        });
        assertThat(processes.stream().filter(p -> p.path("argv").toString().equals("[\"git\",\"--version\"]")).count())
                .as("both git --version runs, the plain one and the one decoded from base64").isEqualTo(2);
        assertThat(processes).anySatisfy(p -> assertThat(p.path("argv").toString()).isEqualTo("[\"base64\",\"-d\"]"));
        assertThat(processes).anySatisfy(p -> {
            assertThat(p.path("argv").toString()).isEqualTo("[\"sh\",\"-c\",\"exit 3\"]");
            assertThat(p.path("exit").asText()).isEqualTo("exit 3");
        });
        assertThat(processes).noneSatisfy(p -> assertThat(p.path("argv").toString()).contains("agent-sandbox-gate"));
        JsonNode summary = Files.readAllLines(bundle.resolve("audit.jsonl")).stream().map(ProcessLogIT::read)
                .filter(e -> "process-log".equals(e.path("event").asText())).findFirst().orElseThrow().path("data");
        assertThat(summary.path("processes").asInt()).isEqualTo(processes.size());
        assertThat(summary.path("dropped").asLong()).isZero();
        assertThat(summary.path("sha256").asText()).matches("[0-9a-f]{64}");
        // the signed statement carries the digest
        JsonNode envelope = JSON.readTree(bundle.resolve("attestation/gates.dsse.json").toFile());
        JsonNode statement = JSON.readTree(Base64.getDecoder().decode(envelope.path("payload").asText()));
        assertThat(statement.toString()).contains(summary.path("sha256").asText());
        assertThat(Cli.run("verify", "--run", bundle.toString()).exitCode).isZero();
        // the review page's timeline shows them, escape bytes made visible
        String review = Files.readString(bundle.resolve("reports/review.html"));
        assertThat(review).contains("<section id=\"processes\">").contains("python3 -c print(6*7)")
                .contains("clear<mark class=\"hc\">U+001B</mark>[2Jscreen").doesNotContain("\u001b");
    }

    static JsonNode read(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
