package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Bundles;
import dev.agentsandbox.testing.Launcher;
import dev.agentsandbox.testing.SampleRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code, unchanged, through a company's gateway (a LiteLLM-style key header, a fixed tag, a
 * Portkey-style virtual key from a host variable) configured in .agent-sandbox.yml alone: the
 * packaged CLI with the secrets in its environment as CI gives them; the gateway stand-in gets
 * each header once with the host's value, and neither secret reaches the sandbox or the bundle.
 */
class GatewayAgentIT {
    static final String KEY = "sk-litellm-" + RealAgent.SECRET_PART.repeat(3);
    static final String VIRTUAL_KEY = "vk-" + RealAgent.SECRET_PART.repeat(2);

    @Test
    void claudeCodeReachesTheGatewayWithItsHeadersAndNeverItsSecrets(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer gateway = new ScriptedModelServer()) {
            gateway.toolContent = "written through the gateway";
            SampleRepo repo = SampleRepo.create(tmp);
            Path config = Files.writeString(tmp.resolve("gateway.yml"), """
                    sandbox: { timeout: 120s }
                    proxy:
                      upstreams:
                        - provider: anthropic
                          url: %s/litellm
                          path-prefixes: [/v1/messages]
                          methods: [POST]
                          key-env: GATEWAY_KEY
                          key-header: x-litellm-api-key
                          key-prefix: "Bearer "
                          headers: { x-litellm-tags: agent-sandbox }
                          header-env: { x-portkey-virtual-key: PORTKEY_VIRTUAL_KEY }
                    """.formatted(gateway.url()));
            Path bundle = tmp.resolve("bundle");
            var r = Launcher.run(Map.of("GATEWAY_KEY", KEY, "PORTKEY_VIRTUAL_KEY", VIRTUAL_KEY), List.of(), "run", "--repo", repo.dir.toString(),
                    "--task", "Write NOTES.md", "--image", "agent-sandbox/claude-code:test",
                    "--command", "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model claude-sonnet-4-5",
                    "--config", config.toString(), "--bundle", bundle.toString());
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(gateway.received).isNotEmpty().allSatisfy(req -> {
                assertThat(req.path()).startsWith("/litellm/v1/messages");
                assertThat(req.headers().get("X-litellm-api-key")).containsExactly("Bearer " + KEY);
                assertThat(req.headers().get("X-litellm-tags")).containsExactly("agent-sandbox");
                assertThat(req.headers().get("X-portkey-virtual-key")).containsExactly(VIRTUAL_KEY);
                assertThat(req.headers()).doesNotContainKeys("X-api-key", "Authorization");
            });
            assertThat(gateway.received.stream().anyMatch(req -> req.body().contains("\"tool_result\""))).as("the Write tool ran").isTrue();
            assertThat(repo.fileAt(Bundles.headCommit(bundle), "NOTES.md")).isEqualTo(gateway.toolContent + "\n");
            assertThat(r.output()).doesNotContain(RealAgent.SECRET_PART);
            Bundles.assertNowhere(bundle, RealAgent.SECRET_PART);
            assertThat(Files.readString(bundle.resolve("audit.jsonl"))).contains("\"provider\":\"anthropic\"").contains("\"name\":\"Write\"");
        }
    }
}
