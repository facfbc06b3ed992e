package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code, the version its recipe pins (examples/agents/claude-code), edits a file in the gVisor
 * sandbox through the proxy, speaking the Anthropic Messages API (streamed, a Write tool call) to the
 * scripted model server: the upstream gets the injected key, the agent never does.
 */
class ClaudeCodeAgentIT {
    static final String KEY = "sk-ant-api03-" + RealAgent.SECRET_PART.repeat(5);

    @Test
    void claudeCodeWritesAFileThroughTheProxyAndTheChangeIsGated(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            model.toolContent = "written by claude code";
            RealAgent run = RealAgent.run(tmp, model, KEY, "agent-sandbox/claude-code:test", "anthropic",
                    "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model claude-sonnet-4-5");
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"name\":\"Write\"")))
                    .as("Claude Code 2.1.197 offers a Write tool (file_path, content); a version that does not needs ScriptedModelServer taught its tools")
                    .isTrue();
            run.assertWroteTheFileAndNeverSawTheKey("X-api-key", KEY, "\"tool_result\"", "Write");
            assertThat(Files.readString(run.bundle().resolve("audit.jsonl"))).contains("\"provider\":\"anthropic\"");
        }
    }
}
