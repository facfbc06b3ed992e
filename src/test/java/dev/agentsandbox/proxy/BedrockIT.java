package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Bedrock run as a GitHub job with id-token: write runs it: the packaged CLI in its own process
 * with the job's variables, the agent in gVisor speaking Bedrock's API to the proxy with no AWS
 * credentials of its own, the proxy exchanging the job's token for the role and signing. Stand-ins
 * for GitHub, STS and Bedrock run on loopback ({@link AwsStandIns}; no cloud is reachable here).
 */
class BedrockIT {
    @TempDir
    Path tmp;
    AwsStandIns aws;
    SampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        aws = new AwsStandIns();
        repo = SampleRepo.create(tmp);
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    static final String AGENT = """
            python3 -c '
            import os, urllib.request
            base = os.environ["ANTHROPIC_BEDROCK_BASE_URL"]
            # AWS_BEARER_TOKEN_BEDROCK holds only the proxy placeholder, for the Bedrock client of OpenCode
            creds = [k for k in os.environ if k.startswith("AWS_") and k != "AWS_REGION"
                     and not (k == "AWS_BEARER_TOKEN_BEDROCK" and os.environ[k] == "agent-sandbox-proxy-injects-the-key")]
            body = b"{\\"anthropic_version\\":\\"bedrock-2023-05-31\\",\\"max_tokens\\":8,\\"messages\\":[]}"
            r = urllib.request.urlopen(urllib.request.Request(base + "/model/anthropic.claude-sonnet-4-5-v1:0/invoke", data=body,
                headers={"content-type": "application/json"}))
            print("answer:", r.read().decode(), "bedrock-mode:", os.environ.get("CLAUDE_CODE_USE_BEDROCK"), "aws-vars:", creds)
            ' && echo done > done.txt""";

    private Cli cli(Map<String, String> env, String role, String bundle) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target/agent-sandbox.jar").toAbsolutePath().toString(), "run", "--repo", repo.dir.toString(), "--task", "ask the model",
                "--image", TestHost.IMAGE, "--command", AGENT, "--bundle", tmp.resolve(bundle).toString(), "--model-provider", "bedrock",
                "--model-region", AwsStandIns.REGION, "--model-role-arn", role, "--model-url", aws.url()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") && !env.containsKey(k));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return Cli.of(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void theAgentReachesBedrockThroughTheProxyWhichSignsAsTheJobsRole() throws Exception {
        Cli r = cli(aws.githubEnv(), AwsStandIns.ROLE, "b1");
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(aws.verdicts).as("every request's signature verified by the SDK").containsOnly("valid").isNotEmpty();
        assertThat(r.out).contains("\"text\":\"hi\"").contains("bedrock-mode: 1").contains("aws-vars: []");
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("b1/run.json").toFile());
        assertThat(run.at("/modelIdentity/bedrock/role").asText()).isEqualTo(AwsStandIns.ROLE);
        assertThat(run.at("/modelIdentity/bedrock/token-subject").asText()).isEqualTo("repo:acme/app:ref:refs/heads/main");
        assertThat(Files.readString(tmp.resolve("b1/audit.jsonl"))).contains("model-identity");
        var creds = aws.issued.values().iterator().next();
        try (Stream<Path> files = Files.walk(tmp.resolve("b1"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(text).as(f.toString()).doesNotContain(creds.secretAccessKey()).doesNotContain(creds.sessionToken())
                        .doesNotContain(AwsStandIns.REQUEST_BEARER).doesNotContain("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9");
            }
        }
    }

    @Test
    void aRoleTheJobMayNotAssumeEndsTheRunBeforeTheAgentStartsWithExit4() throws Exception {
        Cli r = cli(aws.githubEnv(), "arn:aws:iam::123456789012:role/not-trusted", "b2");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(4);
        assertThat(r.err).contains("role arn:aws:iam::123456789012:role/not-trusted").contains("AccessDenied");
        assertThat(aws.verdicts).isEmpty();
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("b2/run.json").toFile());
        assertThat(run.get("verdict").asText()).isEqualTo("error");
        assertThat(Files.exists(tmp.resolve("b2/done.txt"))).isFalse();
        assertThat(Files.readString(tmp.resolve("b2/audit.jsonl"))).doesNotContain("\"stage\":\"agent\"");
    }
}
