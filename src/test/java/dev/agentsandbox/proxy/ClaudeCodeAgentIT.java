package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Bundles;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent CLI, Claude Code from the npm registry (image built by scripts/build-test-agents.sh),
 * completes an edit in the gVisor sandbox with no network, driven by the scripted model server
 * through the proxy: the upstream gets the injected key, the agent never does.
 */
class ClaudeCodeAgentIT {
    static final String KEY = "sk-ant-api03-" + "RealAgentNeverSeesIt".repeat(5);

    @Test
    void claudeCodeWritesAFileThroughTheProxyAndTheChangeIsGated(@TempDir Path tmp) throws Exception {
        try (ScriptedModelServer model = new ScriptedModelServer()) {
            model.toolContent = "written by claude code";
            SampleRepo repo = SampleRepo.create(tmp);
            Path keyFile = Files.writeString(tmp.resolve("key"), KEY);
            Path config = Files.writeString(tmp.resolve("c.yml"), """
                    proxy:
                      upstreams:
                        - { provider: anthropic, url: "%s", path-prefixes: ["/v1/messages"], methods: [POST], key-file: "%s" }
                    """.formatted(model.url(), keyFile));
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "Write NOTES.md", "--image", "agent-sandbox/claude-code:test",
                    "--command", "claude -p \"$AGENT_TASK\" --dangerously-skip-permissions --model claude-sonnet-4-5",
                    "--config", config.toString(), "--bundle", tmp.resolve("bundle").toString());
            assertThat(r.exitCode).as(r.toString()).isZero();
            assertThat(model.received).isNotEmpty();
            assertThat(model.received).allSatisfy(req -> assertThat(req.headers().get("X-api-key")).containsExactly(KEY));
            assertThat(model.received.stream().anyMatch(req -> req.body().contains("\"tool_result\""))).as("the tool ran and its result went back").isTrue();
            assertThat(repo.fileAt(Bundles.headCommit(tmp.resolve("bundle")), "NOTES.md")).isEqualTo("written by claude code\n");
            assertThat(r.all()).doesNotContain("RealAgentNeverSeesIt");
            Bundles.assertNowhere(tmp.resolve("bundle"), "RealAgentNeverSeesIt");
            assertThat(Files.readString(tmp.resolve("bundle/audit.jsonl"))).contains("\"event\":\"request\"").contains("\"provider\":\"anthropic\"");
        }
    }
}
