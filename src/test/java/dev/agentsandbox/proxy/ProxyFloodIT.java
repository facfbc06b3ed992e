package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile agent against proxy.sock (bench/proxy-flood.py): 1,000 half-sent 4 MB bodies and 5,000
 * idle connections, held past the request timeout. Two guest processes once made 5,022 host threads,
 * and half-sent bodies filled a 400 MB heap. The CLI, as users start it (the launcher, its default
 * heap), stays under 256 MB peak RSS, and the run ends with a finding that says what was refused.
 */
class ProxyFloodIT {
    @Test
    void thousandsOfIdleAndHalfSentConnectionsCostTheHostLittleAndAreReported(@TempDir Path tmp) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String flood = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("bench/proxy-flood.py")));
        Path key = Files.writeString(tmp.resolve("key"), "sk-ant-api03-" + "x".repeat(40));
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/time", "-f", "peak-rss-kb %M", Path.of("bin/agent-sandbox").toAbsolutePath().toString(),
                    "run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE,
                    "--command", "echo " + flood + " | base64 -d > /tmp/flood.py && python3 /tmp/flood.py " + (ModelProxyLimits.REQUEST_SECONDS + 2),
                    "--model-provider", "anthropic", "--model-url", model.url(), "--model-key-file", key.toString(),
                    "--bundle", tmp.resolve("bundle").toString()).redirectErrorStream(true);
            pb.environment().put("AGENT_SANDBOX_JAR", Path.of("target/agent-sandbox.jar").toAbsolutePath().toString());
            pb.environment().put("LC_ALL", "C.UTF-8");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            Matcher m = Pattern.compile("peak-rss-kb (\\d+)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            long mb = Long.parseLong(m.group(1)) / 1024;
            System.out.println("[ProxyFloodIT] peak RSS of the CLI under the flood: " + mb + " MB");
            assertThat(mb).as(out).isLessThan(256);
            assertThat(out).contains("flood: ").contains("warn proxy-limits: the agent went past the model proxy's limits:")
                    .contains("connection(s) refused while 32 were open");
            assertThat(model.received).as("nothing half-sent reached the upstream").isEmpty();
            assertThat(Files.readString(tmp.resolve("bundle/audit.jsonl"))).contains("\"refusedConnections\":");
        }
    }

    /** The proxy's limits, as the test states them. */
    static final class ModelProxyLimits {
        static final long REQUEST_SECONDS = dev.agentsandbox.proxy.ModelProxy.REQUEST_SECONDS;
    }
}
