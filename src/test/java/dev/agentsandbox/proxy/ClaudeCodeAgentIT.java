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

    /**
     * The recipe's checkpoint hook cannot fail open. The test image, like a slim one, has no node: the
     * hook was a node script, exited 127, and Claude Code ran rm -rf without asking. Now a person is
     * asked (here nobody answers within 5 s) and the command does not run.
     */
    @Test
    void theCheckpointHookBlocksADangerousCommandWithoutNode(@TempDir Path tmp) throws Exception {
        Process probe = new ProcessBuilder("docker", "run", "--rm", "--network", "none", "--entrypoint", "sh", "agent-sandbox/claude-code:test", "-c",
                "command -v node || echo no-node").redirectErrorStream(true).start();
        assertThat(new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                .as("the test image has no node, like the case that failed open").contains("no-node");
        Path key = tmp.resolve("k");
        assertThat(dev.agentsandbox.testing.Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            model.bashCommand = "rm -rf calc.py";
            RealAgent run = RealAgent.runWith(tmp, "sandbox: { timeout: 120s }\ncheckpoints: { enabled: true, timeout: 5s }\n", model, KEY,
                    "agent-sandbox/claude-code:test", "anthropic", "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model claude-sonnet-4-5",
                    "--signing-key", key + ".key");
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"tool_result\"") && r.body().contains("did not approve")))
                    .as(run.cli().toString()).isTrue();
            assertThat(Files.readString(run.bundle().resolve("checkpoints/cp-1.json"))).contains("\"action\" : \"rm -rf calc.py\"")
                    .contains("\"status\" : \"rejected\"");
            assertThat(run.cli().out).doesNotContain("calc.py | ").contains("nothing was committed");
        }
    }

    /**
     * Claude Code in its Bedrock mode (CLAUDE_CODE_USE_BEDROCK, its base URL the proxy, its own AWS
     * auth skipped): it streams InvokeModelWithResponseStream, the proxy exchanges the CI token for the
     * role at the STS stand-in and signs, the Bedrock stand-in verifies each signature with the SDK and
     * answers with the scripted session framed as AWS event streams. The agent holds no AWS credentials.
     */
    @Test
    void claudeCodeInItsBedrockModeWritesAFileThroughTheProxyWhichSigns(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); AwsStandIns aws = new AwsStandIns()) {
            model.toolContent = "written by claude code through bedrock";
            aws.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.bedrock(tmp, aws), "agent-sandbox/claude-code:test",
                    "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model us.anthropic.claude-sonnet-4-5-20250929-v1:0");
            assertThat(run.cli().exitCode).as(run.cli().toString()).isZero();
            assertThat(aws.verdicts).as("every request Claude Code made was signed by the proxy and verified").isNotEmpty().containsOnly("valid");
            assertThat(model.received).anySatisfy(r -> assertThat(r.path()).endsWith("/invoke-with-response-stream"));
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"tool_result\""))).as("the Write tool ran").isTrue();
            assertThat(run.repo().fileAt(dev.agentsandbox.testing.Bundles.headCommit(run.bundle()), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            var creds = aws.issued.values().iterator().next();
            dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), creds.secretAccessKey());
            dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), creds.sessionToken());
            assertThat(Files.readString(run.bundle().resolve("run.json"))).contains(AwsStandIns.ROLE);
        }
    }

    /**
     * Claude Code in its Vertex AI mode (CLAUDE_CODE_USE_VERTEX, its base URL the proxy, its own Google
     * auth skipped): the proxy exchanges a CI token file through the STS and IAM stand-ins (https, as
     * Google's library requires) for the service account's token and puts it on each request, which the
     * Vertex stand-in checks; the scripted session answers; the Write tool edits the file.
     */
    @Test
    void claudeCodeInItsVertexModeWritesAFileThroughTheProxyWhichHoldsTheToken(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); GcpStandIns gcp = new GcpStandIns(tmp)) {
            model.toolContent = "written by claude code through vertex";
            gcp.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.vertex(tmp, gcp), "agent-sandbox/claude-code:test",
                    "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model claude-sonnet-4-5@20250929");
            dev.agentsandbox.testing.Cli cli = run.cli();
            dev.agentsandbox.testing.SampleRepo repo = run.repo();
            Path bundle = run.bundle();
            assertThat(cli.exitCode).as(cli.toString()).isZero();
            assertThat(gcp.verdicts).as("every request carried the token the stand-in issued").isNotEmpty().allMatch(v -> v.startsWith("valid"));
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"tool_result\""))).as("the Write tool ran").isTrue();
            assertThat(repo.fileAt(dev.agentsandbox.testing.Bundles.headCommit(bundle), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            for (String t : gcp.saTokens) {
                dev.agentsandbox.testing.Bundles.assertNowhere(bundle, t);
            }
            assertThat(Files.readString(bundle.resolve("run.json"))).contains(GcpStandIns.SERVICE_ACCOUNT);
        }
    }

    /**
     * Claude Code in its Microsoft Foundry mode, pointed at the proxy's Azure upstream: its placeholder
     * key stops at the proxy, which takes the Entra token with the CI's token file at the stand-in and
     * puts it on each request to Foundry's Messages API, which the stand-in checks.
     */
    @Test
    void claudeCodeOnMicrosoftFoundryWritesAFileThroughTheProxyWithAnEntraToken(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer(); AzureStandIns az = new AzureStandIns(tmp)) {
            model.toolContent = "written by claude code through foundry";
            az.scripted = model;
            RealAgent run = RealAgent.cloud(tmp, RealAgent.azure(tmp, az), "agent-sandbox/claude-code:test",
                    "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model claude-sonnet-4-5");
            assertThat(run.cli().exitCode).as(run.cli().toString()).isZero();
            assertThat(az.verdicts).as("every request carried the token Entra issued, and no key").isNotEmpty().containsOnly("valid");
            assertThat(az.paths).isNotEmpty().allMatch(p -> p.startsWith("/anthropic/v1/messages"));
            assertThat(model.received.stream().anyMatch(r -> r.body().contains("\"tool_result\""))).as("the Write tool ran").isTrue();
            assertThat(run.repo().fileAt(dev.agentsandbox.testing.Bundles.headCommit(run.bundle()), "NOTES.md")).isEqualTo(model.toolContent + "\n");
            for (String t : az.tokens) {
                dev.agentsandbox.testing.Bundles.assertNowhere(run.bundle(), t);
            }
            assertThat(Files.readString(run.bundle().resolve("run.json"))).contains(AzureStandIns.CLIENT);
        }
    }
}
