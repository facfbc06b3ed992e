package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCode, the version its recipe pins (examples/agents/opencode), edits a file in the gVisor sandbox
 * through the proxy, speaking the Anthropic Messages API (streamed, a write tool call) to the scripted
 * model server; the recipe's command and opencode.json as written.
 */
class OpenCodeAgentIT {
    static final String KEY = "sk-ant-api03-" + RealAgent.SECRET_PART.repeat(5);
    static final String COMMAND = "opencode run --model anthropic/claude-sonnet-4-5 \"$AGENT_TASK\"";

    @Test
    void openCodeWritesAFileThroughTheProxyAndTheChangeIsGated(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            model.toolContent = "written by opencode";
            RealAgent run = RealAgent.run(tmp, model, KEY, "agent-sandbox/opencode:test", "anthropic", COMMAND);
            assertThat(model.received).as("OpenCode calls the versioned base URL the recipe gives it: " + model.received)
                    .allSatisfy(r -> assertThat(r.method() + " " + r.path()).isEqualTo("POST /v1/messages"));
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"name\":\"write\"")))
                    .as("OpenCode 1.18.33 offers a write tool (filePath, content); a version that does not needs ScriptedModelServer taught its tools")
                    .isTrue();
            run.assertWroteTheFileAndNeverSawTheKey("X-api-key", KEY, "\"tool_result\"", "write");
        }
    }
}
