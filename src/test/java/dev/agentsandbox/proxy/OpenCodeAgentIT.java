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

    /**
     * OpenCode's OpenAI provider pointed by the proxy at Azure OpenAI's v1 API ($OPENAI_BASE_URL): the
     * proxy trades a CI token file for an Entra ID token at the Entra stand-in and puts it on each
     * request; the resource stand-in accepts only that token and answers the scripted session.
     */
    @Test
    void openCodeReachesAzureOpenAiThroughTheProxyWithAnEntraToken(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); AzureStandIns az = new AzureStandIns(tmp)) {
            model.toolContent = "written by opencode through azure";
            az.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.azure(tmp, az), "agent-sandbox/opencode:test",
                    "opencode run --model openai/gpt-4.1 \"$AGENT_TASK\"");
            assertThat(run.cli().exitCode).as(run.cli() + "\n" + model.received).isZero();
            assertThat(az.verdicts).as("every request carried the token Entra issued").isNotEmpty().containsOnly("valid");
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"function_call_output\""))).as("the tool ran").isTrue();
            assertThat(run.repo().fileAt(dev.agentsandbox.testing.Bundles.headCommit(run.bundle()), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            for (String t : az.tokens) {
                dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), t);
            }
        }
    }

    /**
     * OpenCode's Bedrock provider, as its recipe points it at the proxy: it streams ConverseStream with a
     * bearer placeholder, which the proxy drops; the proxy exchanges the CI token for the role at the STS
     * stand-in and signs; the Bedrock stand-in verifies each signature with the SDK. No AWS credential
     * is in the sandbox.
     */
    @Test
    void openCodeReachesBedrockThroughTheProxyWhichSigns(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); AwsStandIns aws = new AwsStandIns()) {
            model.toolContent = "written by opencode through bedrock";
            aws.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.bedrock(tmp, aws), "agent-sandbox/opencode:test",
                    "opencode run --model amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0 \"$AGENT_TASK\"");
            assertThat(run.cli().exitCode).as(run.cli() + "\n" + model.received).isZero();
            assertThat(aws.verdicts).as("every request OpenCode made was signed by the proxy and verified").isNotEmpty().containsOnly("valid");
            assertThat(model.received).anySatisfy(r -> assertThat(r.path()).endsWith("/converse-stream"));
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"toolResult\""))).as("the write tool ran").isTrue();
            assertThat(run.repo().fileAt(dev.agentsandbox.testing.Bundles.headCommit(run.bundle()), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            var creds = aws.issued.values().iterator().next();
            dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), creds.secretAccessKey());
            dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), creds.sessionToken());
        }
    }

    /**
     * OpenCode's Vertex AI provider with a Gemini model, as its recipe points it at the proxy: express
     * mode with a placeholder key, which the proxy drops; the proxy takes the service account's token
     * through workload identity at the stand-ins and puts it on each request, which the Vertex stand-in
     * checks. No Google credential is in the sandbox, and the placeholder never reaches Google.
     */
    @Test
    void openCodeReachesVertexThroughTheProxyWhichHoldsTheToken(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); GcpStandIns gcp = new GcpStandIns(tmp)) {
            model.toolContent = "written by opencode through vertex";
            gcp.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.vertex(tmp, gcp), "agent-sandbox/opencode:test",
                    "opencode run --model google-vertex/gemini-2.5-pro \"$AGENT_TASK\"");
            assertThat(run.cli().exitCode).as(run.cli() + "\n" + model.received).isZero();
            assertThat(gcp.verdicts).as("every request carried the token the stand-in issued").isNotEmpty().allMatch(v -> v.startsWith("valid"));
            assertThat(gcp.keyHeaders).as("the agent's placeholder key stops at the proxy").isEmpty();
            assertThat(model.received).anySatisfy(r -> assertThat(r.path())
                    .endsWith("/projects/" + GcpStandIns.PROJECT + "/locations/" + GcpStandIns.REGION + "/publishers/google/models/gemini-2.5-pro:streamGenerateContent"));
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"functionResponse\""))).as("the write tool ran").isTrue();
            assertThat(run.repo().fileAt(dev.agentsandbox.testing.Bundles.headCommit(run.bundle()), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            for (String t : gcp.saTokens) {
                dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), t);
            }
            assertThat(java.nio.file.Files.readString(run.bundle().resolve("run.json"))).contains(GcpStandIns.SERVICE_ACCOUNT);
        }
    }
}
