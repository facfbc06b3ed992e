package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemini CLI, the version its recipe pins (examples/agents/gemini), edits a file in the gVisor sandbox
 * through the proxy, speaking Gemini's generateContent API (streamed, a write_file function call) to
 * the scripted model server: the upstream gets the key as x-goog-api-key, the agent never does; the
 * usage in usageMetadata is metered and the function call audited.
 */
class GeminiAgentIT {
    static final String KEY = "AIzaSy" + RealAgent.SECRET_PART + "0123456789abcdefghi";

    @Test
    void geminiCliWritesAFileThroughTheProxyAndTheChangeIsGated(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            model.toolContent = "written by gemini cli";
            model.outputTokens = 40;
            RealAgent run = RealAgent.run(tmp, model, KEY, "agent-sandbox/gemini:test", "gemini",
                    "gemini --yolo -m gemini-2.5-pro -p \"$AGENT_TASK\"");
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"write_file\"")))
                    .as("Gemini CLI 0.61.0 offers a write_file tool (file_path, content); a version that does not needs ScriptedModelServer taught its tools\n" + run.cli() + model.received)
                    .isTrue();
            assertThat(model.received).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("Authorization"));
            run.assertWroteTheFileAndNeverSawTheKey("X-goog-api-key", KEY, "\"functionResponse\"", "write_file");
            String audit = Files.readString(run.bundle().resolve("audit.jsonl"));
            assertThat(audit).contains("\"provider\":\"gemini\"").contains("\"model\":\"gemini-2.5-pro\"")
                    .as("usageMetadata's running totals: 40 candidates + 3 thoughts").contains("\"outputTokens\":43");
        }
    }
}
