package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Bundles;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scripted agent in the real gVisor sandbox reaches a scripted model on loopback only through the proxy. */
class ModelProxySandboxIT {
    static final String KEY = "sk-ant-api03-" + "SandboxNeverSeesThis".repeat(5);
    static final String AGENT = """
            python3 - <<'PY'
            import json, os, urllib.request, urllib.error
            base = os.environ["ANTHROPIC_BASE_URL"]
            body = json.dumps({"model": "scripted-model", "max_tokens": 50, "messages": [{"role": "user", "content": os.environ["AGENT_TASK"]}]}).encode()
            def ask(path):
                req = urllib.request.Request(base + path, data=body, headers={"content-type": "application/json", "x-api-key": os.environ["ANTHROPIC_API_KEY"]})
                return urllib.request.urlopen(req, timeout=20)
            n = int(os.environ.get("ASKS", "1"))
            for i in range(n):
                try:
                    answer = json.load(ask("/v1/messages"))["content"][0]["text"]
                except urllib.error.HTTPError as e:
                    print("stopped by the proxy:", e.code, flush=True); raise SystemExit(3)
            open("ANSWER.md", "w").write(answer + "\\n")
            try:
                ask("/v1/files")
            except urllib.error.HTTPError as e:
                print("forbidden path refused:", e.code, json.load(e)["error"]["rule"])
            env = "\\n".join(k + "=" + v for k, v in sorted(os.environ.items()))
            open("ENV.txt", "w").write(env + "\\n")
            PY
            """;

    @TempDir
    Path tmp;
    ScriptedModelServer model;
    SampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        model = new ScriptedModelServer();
        model.answer = "multiply is a * b";
        repo = SampleRepo.create(tmp);
    }

    @AfterEach
    void tearDown() {
        model.close();
    }

    Cli run(String extraConfig, String agent) throws Exception {
        Path keyFile = Files.writeString(tmp.resolve("anthropic.key"), KEY);
        Path config = Files.writeString(tmp.resolve("config.yml"), """
                agent: { identity: { name: Agent, email: a@x.invalid } }
                proxy:
                  upstreams:
                    - { provider: anthropic, url: "%s", path-prefixes: ["/v1/messages"], methods: [POST], key-file: "%s" }
                %s
                """.formatted(model.url(), keyFile, extraConfig));
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", "explain multiply", "--image", TestHost.IMAGE,
                "--command", agent, "--config", config.toString(), "--bundle", tmp.resolve("bundle").toString());
    }

    @Test
    void theAgentReachesTheModelOnlyThroughTheProxyAndNeverSeesTheKey() throws Exception {
        Cli r = run("", AGENT);
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).contains("forbidden path refused: 403 path");
        assertThat(model.received).hasSize(1);
        assertThat(model.received.get(0).headers().get("X-api-key")).containsExactly(KEY);
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("bundle/run.json").toFile());
        String answer = repo.fileAt(run.get("headCommit").asText(), "ANSWER.md");
        assertThat(answer).isEqualTo("multiply is a * b\n");
        String env = repo.fileAt(run.get("headCommit").asText(), "ENV.txt");
        assertThat(env).contains("ANTHROPIC_BASE_URL=http://127.0.0.1:8080/anthropic").doesNotContain(KEY).doesNotContain("SandboxNeverSeesThis");
        String audit = Files.readString(tmp.resolve("bundle/audit.jsonl"));
        assertThat(audit).contains("\"stage\":\"proxy\",\"event\":\"request\"").contains("\"model\":\"scripted-model\"")
                .contains("\"event\":\"refused\"").contains("\"refusedBy\":\"path\"");
        Bundles.assertNowhere(tmp.resolve("bundle"), "SandboxNeverSeesThis");
        assertThat(r.all()).doesNotContain("SandboxNeverSeesThis");
    }

    /** A key the upstream answers 401 to ends the run before the agent starts, exit 4, naming the setting; run.json says why. */
    @Test
    void aKeyTheUpstreamRefusesEndsTheRunBeforeTheAgentStarts() throws Exception {
        model.refusedKeys.add(KEY);
        Cli r = run("", "touch AGENT_RAN");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(4);
        assertThat(r.err).contains("proxy upstream 'anthropic'").contains("answered 401").contains("key-file " + tmp.resolve("anthropic.key"))
                .doesNotContain(KEY);
        assertThat(model.received).as("no model request").isEmpty();
        assertThat(r.out).doesNotContain("agent    agent exited");
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("bundle/run.json").toFile());
        assertThat(run.path("headCommit").isMissingNode() || run.path("headCommit").isNull()).as(run.toString()).isTrue();
        assertThat(run.toString()).contains("answered 401");
        Bundles.assertNowhere(tmp.resolve("bundle"), KEY);
    }

    @Test
    void anAgentCraftingPathsPastTheAllowListReachesNothingElseUpstream() throws Exception {
        String agent = """
                python3 - <<'PY'
                import http.client, os
                for path in ["/anthropic/v1/messages/%2e%2e/%2e%2e/v1/organizations/api_keys", "/anthropic/v1/messages/%2E%2E/files",
                             "/anthropic/v1/messages_anything_else", "/anthropic/v1/messages;x=y", "/anthropic//v1/files",
                             "/anthropic/v1/messages/..%2f..%2fv1/files", "/anthropic/v1/messages/count_tokens"]:
                    c = http.client.HTTPConnection("127.0.0.1", 8080, timeout=20)
                    c.request("POST", path, body="{}", headers={"content-type": "application/json"})
                    r = c.getresponse()
                    print("status", r.status, path, flush=True)
                    body = r.read().decode()
                    if "SandboxNever" + "SeesThis" in body:
                        print("KEY LEAKED", flush=True)
                open("done.txt", "w").write("done\\n")
                PY
                """;
        Cli r = run("", agent);
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).contains("status 400 /anthropic/v1/messages/%2e%2e/%2e%2e/v1/organizations/api_keys")
                .contains("status 400 /anthropic/v1/messages/%2E%2E/files").contains("status 403 /anthropic/v1/messages_anything_else")
                .contains("status 400 /anthropic/v1/messages;x=y").contains("status 400 /anthropic//v1/files")
                .contains("status 401 /anthropic/v1/messages/count_tokens").doesNotContain("KEY LEAKED");
        // only the one allowed path reached the model's host, and the key never came back
        assertThat(model.received).extracting(ScriptedModelServer.Received::path).containsExactly("/v1/messages/count_tokens");
        Bundles.assertNowhere(tmp.resolve("bundle"), "SandboxNeverSeesThis");
    }

    @Test
    void theSpendCapStopsAModelThatKeepsAnswering() throws Exception {
        model.outputTokens = 40; // each answer costs (10 × 3 + 40 × 15) / 1e6 = 0.00063
        Cli r = run("""
                  spend:
                    cap: 0.001
                    currency: EUR
                    prices:
                      "*": { input: 3, output: 15 }
                """, "export ASKS=50\n" + AGENT);
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("spend-cap").contains("the run spent 0.00126 EUR, reaching its cap of 0.001 EUR");
        assertThat(model.received).as("stopped at the second answer, never the fifty asked for").hasSizeLessThanOrEqualTo(3);
        String audit = Files.readString(tmp.resolve("bundle/audit.jsonl"));
        assertThat(audit).contains("budget-exceeded").contains("\"spend\":{\"spent\":\"0.00126\",\"cap\":\"0.001\",\"currency\":\"EUR\"}");
        JsonNode envelope = new ObjectMapper().readTree(tmp.resolve("bundle/attestation/gates.dsse.json").toFile());
        assertThat(new String(java.util.Base64.getDecoder().decode(envelope.path("payload").asText()), java.nio.charset.StandardCharsets.UTF_8)
                .replaceAll("\\s", "")).contains("\"spent\":\"0.00126\"");
    }

    @Test
    void aModelWithoutAPriceIsRefusedWhenThereIsASpendCap() throws Exception {
        Cli r = run("""
                  spend:
                    cap: 5
                    prices:
                      claude-opus-4-1: { input: 15, output: 75 }
                """, AGENT);
        assertThat(r.out).contains("stopped by the proxy: 403");
        assertThat(model.received).isEmpty();
        assertThat(Files.readString(tmp.resolve("bundle/audit.jsonl"))).contains("\"refusedBy\":\"no-price\"");
    }

    @Test
    void theTokenBudgetStopsTheRun() throws Exception {
        model.outputTokens = 40;
        Cli r = run("  token-budget: 100", "export ASKS=50\n" + AGENT);
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        JsonNode gates = new ObjectMapper().readTree(tmp.resolve("bundle/gates.json").toFile());
        assertThat(gates.get(0).get("gate").asText()).isEqualTo("agent");
        assertThat(gates.get(0).get("findings").findValuesAsText("rule")).contains("token-budget");
        assertThat(model.received.size()).isLessThanOrEqualTo(3);
        assertThat(Files.readString(tmp.resolve("bundle/audit.jsonl"))).contains("budget-exceeded");
    }
}
