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
    /** The recipe's provider pointed at the proxy's Azure upstream ($OPENAI_BASE_URL is that when the run's upstream is azure). */
    static final String AZURE_COMMAND = "codex exec -c model_provider=azure-via-proxy -c 'model_providers.azure-via-proxy={name=\"Azure OpenAI through"
            + " the proxy\",base_url=\"'\"$OPENAI_BASE_URL\"'\",env_key=\"OPENAI_API_KEY\",wire_api=\"responses\",supports_websockets=false}'"
            + " --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check --ephemeral -m scripted \"$AGENT_TASK\"";

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

    /**
     * Codex as written in its recipe, pointed by the proxy at Azure OpenAI's v1 API: the proxy trades
     * a CI token file for an Entra ID token at the Entra stand-in (https) and puts it on each request;
     * the resource stand-in accepts only that token and answers the scripted session.
     */
    @Test
    void codexReachesAzureOpenAiThroughTheProxyWithAnEntraToken(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); AzureStandIns az = new AzureStandIns(tmp)) {
            model.toolContent = "written by codex through azure";
            az.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.azure(tmp, az), "agent-sandbox/codex:test", AZURE_COMMAND);
            assertThat(run.cli().exitCode).as(run.cli().toString()).isZero();
            assertThat(az.verdicts).as("every request carried the token Entra issued").isNotEmpty().containsOnly("valid");
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"function_call_output\""))).as("the tool ran").isTrue();
            assertThat(run.repo().fileAt(dev.agentsandbox.testing.Bundles.headCommit(run.bundle()), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            for (String t : az.tokens) {
                dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), t);
            }
            assertThat(java.nio.file.Files.readString(run.bundle().resolve("run.json"))).contains(AzureStandIns.CLIENT);
        }
    }
}
