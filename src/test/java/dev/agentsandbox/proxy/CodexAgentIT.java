package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Codex CLI, the version its recipe pins (examples/agents/codex), edits a file in the gVisor sandbox
 * through the proxy, speaking the OpenAI Responses API (streamed events, an exec_command tool call)
 * to the scripted model server; the recipe's command and config.toml as written.
 */
class CodexAgentIT {
    static final String KEY = "sk-proj-" + RealAgent.SECRET_PART.repeat(4);
    static final String COMMAND = "codex exec --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check --ephemeral -m scripted \"$AGENT_TASK\"";

    @Test
    void codexWritesAFileThroughTheProxyAndTheChangeIsGated(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            model.toolContent = "written by codex";
            RealAgent run = RealAgent.run(tmp, model, KEY, "agent-sandbox/codex:test", "openai", COMMAND);
            assertThat(model.received).as("Codex speaks the Responses API over plain HTTP (no WebSocket upgrade): " + model.received)
                    .allSatisfy(r -> assertThat(r.method() + " " + r.path()).isEqualTo("POST /v1/responses"));
            assertThat(model.received.get(0).body()).as("Codex 0.171 offers the exec_command tool to a model it does not know;"
                    + " a version that does not needs ScriptedModelServer taught its tools").contains("\"name\":\"exec_command\"");
            // model request → tool call → the process it caused, seen by gVisor's kernel
            assertThat(java.nio.file.Files.readAllLines(run.bundle().resolve("audit.jsonl")))
                    .anySatisfy(l -> assertThat(l).contains("\"event\":\"process\"").contains("> NOTES.md"));
            run.assertWroteTheFileAndNeverSawTheKey("Authorization", "Bearer " + KEY, "\"function_call_output\"", "exec_command");
        }
    }
}
