package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Amazon Bedrock through the proxy: the CI's OIDC token exchanged for a role through STS on the host,
 * every request signed with the AWS SDK's SigV4 signer and checked by a stand-in that recomputes the
 * signature with the SDK over what it received; credentials renewed before they expire; a refused
 * exchange stops the run before the agent starts; nothing of the credentials reaches the agent.
 */
class BedrockUpstreamTest {
    @TempDir
    Path tmp;
    AwsStandIns aws;
    ModelProxy proxy;
    final List<ProxyEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        aws = new AwsStandIns();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        aws.close();
    }

    ProxyConfig.Upstream bedrock(String role, String tokenEnv, String tokenFile) {
        return new ProxyConfig.Upstream("bedrock", aws.url(), List.of("/model"), List.of("POST"), null, null, null, null, null, null,
                new ProxyConfig.Aws(AwsStandIns.REGION, role, null, tokenEnv, tokenFile));
    }

    ModelProxy proxy(ProxyConfig.Upstream up, Map<String, String> env) throws Exception {
        return proxy(up, env, null);
    }

    ModelProxy proxy(ProxyConfig.Upstream up, Map<String, String> env, Long budget) throws Exception {
        proxy = ModelProxy.start(new ProxyConfig(List.of(up), null, null, null, budget, null), tmp, env, ProxyCalls.recording(events));
        return proxy;
    }

    String call(String path, String body, String... headers) throws Exception {
        return ProxyCalls.call(proxy.socket(), path, body, headers);
    }

    static final String INVOKE = "/bedrock/model/anthropic.claude-sonnet-4-5-v1:0/invoke";
    static final String BODY = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void githubsTokenBecomesARoleAndEveryRequestCarriesASignatureTheSdkVerifies() throws Exception {
        proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv());
        assertThat(aws.tokensIssued.get()).as("the token was asked for before the agent starts").isEqualTo(1);
        String resp = call(INVOKE, BODY, "content-type: application/json", "authorization: AWS4-HMAC-SHA256 Credential=AKIAAGENT/x",
                "x-amz-security-token: agents-own", "x-amz-date: 20000101T000000Z");
        assertThat(aws.verdicts).containsExactly("valid");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("\"text\":\"hi\"");
        var got = aws.bedrockHeaders.get(0);
        assertThat(got.toString()).doesNotContain("AKIAAGENT").doesNotContain("agents-own").doesNotContain("20000101");
        var creds = aws.issued.values().iterator().next();
        assertThat(resp).doesNotContain(creds.secretAccessKey()).doesNotContain(creds.sessionToken());
        assertThat(proxy.keys()).contains(creds.secretAccessKey(), creds.sessionToken());
        assertThat(proxy.identities().get("bedrock")).containsEntry("role", AwsStandIns.ROLE)
                .containsEntry("token-subject", "repo:acme/app:ref:refs/heads/main").containsEntry("token-audience", "sts.amazonaws.com")
                .doesNotContainValue(creds.secretAccessKey());
        assertThat(proxy.identities().toString()).doesNotContain("eyJ"); // never the token
        assertThat(events).singleElement().satisfies(e -> assertThat(e.status()).isEqualTo(200));
    }

    @Test
    void aPathOutsideTheModelsOrAnotherMethodIsRefusedAndNeverSigned() throws Exception {
        proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv());
        assertThat(call("/bedrock/guardrail/g1/version/1/apply", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/bedrock/model/../guardrail/x", BODY)).startsWith("HTTP/1.1 4");
        assertThat(aws.verdicts).isEmpty();
    }

    @Test
    void credentialsAboutToExpireAreRenewedWithAFreshTokenMidRun() throws Exception {
        aws.lifetimeSeconds = 30; // inside the SDK's stale window: every use renews them
        proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv());
        call(INVOKE, BODY, "content-type: application/json");
        call(INVOKE, BODY, "content-type: application/json");
        assertThat(aws.verdicts).containsOnly("valid").hasSize(2);
        assertThat(aws.exchanges.get()).isGreaterThanOrEqualTo(3);
        assertThat(aws.tokensIssued.get()).as("each renewal asks GitHub for a fresh token").isEqualTo(aws.exchanges.get());
        assertThat(aws.bedrockKeyIds).doesNotHaveDuplicates();
    }

    @Test
    void aRoleTheTokenMayNotAssumeStopsTheRunBeforeTheAgentStartsSayingWhy() {
        assertThatThrownBy(() -> proxy(bedrock("arn:aws:iam::123456789012:role/someone-else", null, null), aws.githubEnv()))
                .isInstanceOf(RefusedException.class).hasMessageContaining("role arn:aws:iam::123456789012:role/someone-else")
                .hasMessageContaining("AccessDenied").hasMessageContaining("Not authorized");
    }

    @Test
    void aTokenForAnotherAudienceOrNoTokenAtAllIsRefused() throws Exception {
        aws.audience = "something-else";
        assertThatThrownBy(() -> proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv())).isInstanceOf(RefusedException.class)
                .hasMessageContaining("InvalidIdentityToken").hasMessageContaining("audience");
        // GitLab's id_tokens: a variable that is not set
        Map<String, String> env = new HashMap<>(aws.githubEnv());
        assertThatThrownBy(() -> proxy(bedrock(AwsStandIns.ROLE, "GITLAB_OIDC_TOKEN", null), env)).isInstanceOf(RefusedException.class)
                .hasMessageContaining("GITLAB_OIDC_TOKEN is not set");
        // no GitHub permission and nothing named
        assertThatThrownBy(() -> proxy(bedrock(AwsStandIns.ROLE, null, null), Map.of())).isInstanceOf(UsageException.class)
                .hasMessageContaining("id-token: write");
    }

    @Test
    void aTokenFromAFileAsJenkinsHandsItOverWorksToo() throws Exception {
        aws.audience = "sts.amazonaws.com";
        Path token = Files.writeString(tmp.resolve("oidc.jwt"), AwsStandIns.jwt("jenkins:job/app", "sts.amazonaws.com", 9999999999L) + "\n");
        proxy(bedrock(AwsStandIns.ROLE, null, token.toString()), Map.of("AWS_ENDPOINT_URL_STS", aws.url()));
        call(INVOKE, BODY, "content-type: application/json");
        assertThat(aws.verdicts).containsExactly("valid");
        assertThat(proxy.identities().get("bedrock")).containsEntry("token-subject", "jenkins:job/app");
    }

    @Test
    void aKeyAndASignatureTogetherAreRefused() {
        var up = new ProxyConfig.Upstream("bedrock", aws.url(), List.of("/model"), List.of("POST"), "SOME_KEY", null, null, null, null, null,
                new ProxyConfig.Aws(AwsStandIns.REGION, null, null, null, null));
        assertThatThrownBy(() -> proxy(up, Map.of("SOME_KEY", "x".repeat(20)))).isInstanceOf(UsageException.class)
                .hasMessageContaining("give no key-env or key-file");
    }

    @Test
    void onlyTheRuntimeOperationsOfModelsInTheEndpointsGeographyAreRelayed() throws Exception {
        proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv(), 100_000L);
        assertThat(call("/bedrock/async-invoke", BODY)).startsWith("HTTP/1.1 403").contains("bedrock-path");
        assertThat(call("/bedrock/model/anthropic.claude-x/invoke?x=1", BODY)).startsWith("HTTP/1.1 403").contains("no query");
        assertThat(call("/bedrock/model/anthropic.claude-x/invoke/extra", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/bedrock/model/global.anthropic.claude-sonnet-4-5-v1:0/converse", BODY)).startsWith("HTTP/1.1 403").contains("bedrock-region");
        assertThat(call("/bedrock/model/eu.anthropic.claude-sonnet-4-5-v1:0/converse", BODY)).startsWith("HTTP/1.1 403").contains("bedrock-region");
        assertThat(call("/bedrock/model/us.anthropic.claude-sonnet-4-5-v1:0/converse", "{\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"document\":{\"name\":\"d\",\"format\":\"pdf\",\"source\":{\"s3Location\":{\"uri\":\"s3://other/x\"}}}}]}]}"))
                .startsWith("HTTP/1.1 403").contains("s3Location");
        assertThat(aws.verdicts).isEmpty();
        assertThat(call("/bedrock/model/us.anthropic.claude-sonnet-4-5-v1:0/converse", BODY, "content-type: application/json"))
                .startsWith("HTTP/1.1 200");
        assertThat(events).last().satisfies(e -> {
            assertThat(e.inputTokens()).as("Converse's usage is metered").isEqualTo(11);
            assertThat(e.outputTokens()).isEqualTo(5);
            assertThat(e.model()).isEqualTo("us.anthropic.claude-sonnet-4-5-v1:0");
        });
    }

    @Test
    void aConfiguredAwsUpstreamCannotWidenWhatIsSignedOrWhereItGoes() {
        var aws1 = new ProxyConfig.Aws(AwsStandIns.REGION, null, null, null, null);
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("bedrock", "https://evil.example.com", List.of(), List.of(), null, null, null, null,
                null, null, aws1), Map.of())).isInstanceOf(UsageException.class).hasMessageContaining("not an https AWS endpoint of region us-east-1");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("bedrock", "http://bedrock-runtime.us-east-1.amazonaws.com", List.of(), List.of(), null,
                null, null, null, null, null, aws1), Map.of())).hasMessageContaining("not an https AWS endpoint");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("bedrock", "https://bedrock-runtime.eu-west-1.amazonaws.com", List.of(), List.of(),
                null, null, null, null, null, null, aws1), Map.of())).hasMessageContaining("region us-east-1");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("bedrock", aws.url(), List.of("/async-invoke"), List.of(), null, null, null, null,
                null, null, aws1), Map.of())).hasMessageContaining("may only narrow /model");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("bedrock", aws.url(), List.of(), List.of("GET"), null, null, null, null, null, null,
                aws1), Map.of())).hasMessageContaining("methods may only be POST");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("bedrock", aws.url(), List.of(), List.of(), null, null, null, null,
                Map.of("X-Amz-Security-Token", "x"), null, aws1), Map.of())).hasMessageContaining("belongs to the request's signature");
    }

    @Test
    void aRenewalRefusedMidRunRefusesTheRequestInsteadOfSendingItUnsigned() throws Exception {
        aws.lifetimeSeconds = 2;
        proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv());
        assertThat(call(INVOKE, BODY, "content-type: application/json")).startsWith("HTTP/1.1 200");
        aws.refuseExchanges = true;
        Thread.sleep(2_500); // the last credentials have expired; while they were valid they were used, as the SDK does
        String resp = call(INVOKE, BODY, "content-type: application/json");
        assertThat(resp).startsWith("HTTP/1.1 502").contains("signing-failed");
        assertThat(aws.verdicts).hasSize(1);
        assertThat(events).last().satisfies(e -> assertThat(e.status()).isEqualTo(502));
    }

    @Test
    void streamedAnswersAreMeteredFrameByFrameAndTheBudgetHolds() throws Exception {
        proxy(bedrock(AwsStandIns.ROLE, null, null), aws.githubEnv(), 40L);
        String first = call("/bedrock/model/us.anthropic.claude-sonnet-4-5-v1:0/invoke-with-response-stream", BODY, "content-type: application/json");
        assertThat(first).startsWith("HTTP/1.1 200").contains("application/vnd.amazon.eventstream");
        assertThat(events).last().satisfies(e -> {
            assertThat(e.inputTokens()).isEqualTo(21);
            assertThat(e.outputTokens()).isEqualTo(9);
        });
        String second = call("/bedrock/model/us.anthropic.claude-sonnet-4-5-v1:0/converse-stream", BODY, "content-type: application/json");
        assertThat(second).startsWith("HTTP/1.1 200");
        assertThat(events).last().satisfies(e -> {
            assertThat(e.inputTokens()).isEqualTo(13);
            assertThat(e.outputTokens()).isEqualTo(4);
        });
        // 47 tokens of a 40-token budget: the next request is refused
        assertThat(call(INVOKE, BODY, "content-type: application/json")).startsWith("HTTP/1.1 429").contains("token-budget");
    }
}
