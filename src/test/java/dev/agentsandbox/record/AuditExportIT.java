package dev.agentsandbox.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log also goes to an OpenTelemetry collector (a local OTLP/HTTP receiver here): every line,
 * byte for byte, keyed by run, the agent's processes included; a collector that is down costs a
 * warning, never the run or the local log.
 */
class AuditExportIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyAuditLineReachesTheCollectorKeyedByRun() throws Exception {
        List<JsonNode> posts = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/logs", ex -> {
            posts.add(JSON.readTree(ex.getRequestBody()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        try {
            SampleRepo repo = SampleRepo.create(tmp);
            Path config = Files.writeString(tmp.resolve("c.yml"), """
                    audit: { otlp: { endpoint: "http://127.0.0.1:%d" } }
                    """.formatted(collector.getAddress().getPort()));
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE, "--config", config.toString(),
                    "--command", "git --version; printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py", "--bundle", tmp.resolve("bundle").toString());
            assertThat(r.exitCode).as(r.toString()).isZero();
            List<String> lines = Files.readAllLines(tmp.resolve("bundle/audit.jsonl"));
            assertThat(r.out).contains("sent " + lines.size() + " audit events to http://127.0.0.1:");
            List<String> bodies = new ArrayList<>();
            String runId = JSON.readTree(tmp.resolve("bundle/run.json").toFile()).get("runId").asText();
            for (JsonNode post : posts) {
                JsonNode rl = post.at("/resourceLogs/0");
                assertThat(rl.at("/resource/attributes").toString()).contains("\"service.name\"").contains(runId);
                rl.at("/scopeLogs/0/logRecords").forEach(rec -> {
                    bodies.add(rec.at("/body/stringValue").asText());
                    assertThat(rec.path("timeUnixNano").asText()).matches("\\d{19}");
                    assertThat(rec.path("attributes").toString()).contains("agent_sandbox.event").contains(runId);
                });
            }
            assertThat(bodies).as("each line byte for byte, so the chain verifies where it lands").isEqualTo(lines);
            assertThat(bodies).anySatisfy(b -> assertThat(b).contains("\"event\":\"process\"").contains("[\"git\",\"--version\"]"));
        } finally {
            collector.stop(0);
        }
    }

    @Test
    void aCollectorThatIsDownCostsAWarningNotTheRun() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path config = Files.writeString(tmp.resolve("c.yml"), "audit: { otlp: { endpoint: \"http://127.0.0.1:9\" } }\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE, "--config", config.toString(),
                "--command", "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py", "--bundle", tmp.resolve("bundle").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).contains("warning: the audit log was not exported (cannot reach the collector at http://127.0.0.1:9/v1/logs");
        assertThat(Cli.run("verify", "--run", tmp.resolve("bundle").toString()).exitCode).isZero();
    }
}
