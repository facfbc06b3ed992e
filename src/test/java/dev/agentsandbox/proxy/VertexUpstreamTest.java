package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vertex AI through the proxy: the CI's OIDC token exchanged with Google's auth library (workload
 * identity federation through STS, then the service account's token), the token put on every request
 * by the proxy and checked by a stand-in that issued it, renewed before expiry, a refused exchange
 * stopping the run before the agent starts; only the project's and region's model operations relayed.
 */
class VertexUpstreamTest {
    @TempDir
    Path tmp;
    GcpStandIns gcp;
    ModelProxy proxy;
    final List<ProxyEvent> events = new CopyOnWriteArrayList<>();

    static final String RAW = "/vertex/v1/projects/" + GcpStandIns.PROJECT + "/locations/" + GcpStandIns.REGION
            + "/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict";
    static final String BODY = "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":8,\"messages\":[]}";

    @BeforeEach
    void start() throws Exception {
        gcp = new GcpStandIns(tmp);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        gcp.close();
    }

    ProxyConfig.Upstream vertex(String provider, String tokenFile) {
        return new ProxyConfig.Upstream("vertex", gcp.vertexUrl(), List.of(), List.of("POST"), null, null, null, null, null, null, null,
                new ProxyConfig.Gcp(GcpStandIns.PROJECT, GcpStandIns.REGION, provider, GcpStandIns.SERVICE_ACCOUNT, null, tokenFile,
                        gcp.googleUrl() + "/v1/token", gcp.googleUrl()));
    }

    ModelProxy proxy(ProxyConfig.Upstream up, Map<String, String> env) throws Exception {
        proxy = ModelProxy.start(new ProxyConfig(List.of(up), null, null, null, null, null), tmp, env, ProxyCalls.recording(events));
        return proxy;
    }

    String call(String path, String body, String... headers) throws Exception {
        return ProxyCalls.call(proxy.socket(), path, body, headers);
    }

    @Test
    void githubsTokenBecomesTheServiceAccountsTokenOnEveryRequestAndNeverTheAgents() throws Exception {
        proxy(vertex(GcpStandIns.PROVIDER, null), gcp.githubEnv());
        String resp = call(RAW, BODY, "content-type: application/json", "authorization: Bearer agents-own", "x-goog-user-project: other");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("\"text\":\"hi\"").doesNotContain("ya29.");
        assertThat(gcp.verdicts).containsExactly("valid");
        assertThat(proxy.keys()).contains(gcp.saTokens.get(0));
        assertThat(proxy.identities().get("vertex")).containsEntry("service-account", GcpStandIns.SERVICE_ACCOUNT)
                .containsEntry("workload-identity-provider", GcpStandIns.PROVIDER).containsEntry("project", GcpStandIns.PROJECT);
        assertThat(proxy.identities().toString()).doesNotContain("ya29").doesNotContain("federated-").doesNotContain("eyJ");
        assertThat(events).singleElement().satisfies(e -> assertThat(e.outputTokens()).isEqualTo(2));
    }

    @Test
    void onlyTheProjectsAndRegionsModelOperationsAreRelayed() throws Exception {
        proxy(vertex(GcpStandIns.PROVIDER, null), gcp.githubEnv());
        assertThat(call("/vertex/v1/projects/other-project/locations/" + GcpStandIns.REGION + "/publishers/anthropic/models/m:rawPredict", BODY))
                .startsWith("HTTP/1.1 403");
        assertThat(call("/vertex/v1/projects/" + GcpStandIns.PROJECT + "/locations/europe-west1/publishers/anthropic/models/m:rawPredict", BODY))
                .startsWith("HTTP/1.1 403");
        assertThat(call("/vertex/v1/projects/" + GcpStandIns.PROJECT + "/locations/" + GcpStandIns.REGION + "/endpoints/e1:predict", BODY))
                .startsWith("HTTP/1.1 403");
        assertThat(call("/vertex/v1/projects/" + GcpStandIns.PROJECT + "/locations/" + GcpStandIns.REGION + "/publishers/anthropic/models/m:deploy", BODY))
                .startsWith("HTTP/1.1 403").contains("vertex-path");
        assertThat(call(RAW + "?key=x", BODY)).startsWith("HTTP/1.1 403");
        assertThat(gcp.verdicts).isEmpty();
    }

    @Test
    void tokensAboutToExpireAreRenewedMidRun() throws Exception {
        gcp.lifetimeSeconds = 60; // inside the library's refresh margin: every use renews
        proxy(vertex(GcpStandIns.PROVIDER, null), gcp.githubEnv());
        call(RAW, BODY, "content-type: application/json");
        call(RAW, BODY, "content-type: application/json");
        assertThat(gcp.verdicts).containsOnly("valid").hasSize(2);
        assertThat(gcp.saTokens.size()).isGreaterThanOrEqualTo(3);
        // every token that signed a request is redacted from the run's output, not only the first
        assertThat(gcp.signedWith).hasSize(2).doesNotHaveDuplicates();
        assertThat(proxy.keys()).containsAll(gcp.signedWith);
    }

    @Test
    void aProviderThatRefusesTheTokenStopsTheRunBeforeTheAgentStarts() {
        String other = "projects/123456789/locations/global/workloadIdentityPools/ci/providers/someone-else";
        assertThatThrownBy(() -> proxy(vertex(other, null), gcp.githubEnv())).isInstanceOf(RefusedException.class)
                .hasMessageContaining("Google refused").hasMessageContaining("invalid_target");
        assertThatThrownBy(() -> proxy(vertex(GcpStandIns.PROVIDER, null), Map.of())).isInstanceOf(UsageException.class)
                .hasMessageContaining("id-token: write");
    }

    @Test
    void aTokenFileAsJenkinsHandsItOverWorksToo() throws Exception {
        Path token = Files.writeString(tmp.resolve("oidc.jwt"), AwsStandIns.jwt("jenkins:job/app", "https://iam.googleapis.com/" + GcpStandIns.PROVIDER,
                9_999_999_999L));
        proxy(vertex(GcpStandIns.PROVIDER, token.toString()), Map.of());
        assertThat(call(RAW, BODY, "content-type: application/json")).startsWith("HTTP/1.1 200");
        assertThat(gcp.verdicts).containsExactly("valid");
    }

    @Test
    void aConfiguredGcpUpstreamCannotSendItsTokenElsewhere() {
        var g = new ProxyConfig.Gcp(GcpStandIns.PROJECT, GcpStandIns.REGION, null, null, null, null, null, null);
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("vertex", "https://evil.example.com", List.of(), List.of(), null, null, null, null,
                null, null, null, g), Map.of())).isInstanceOf(UsageException.class).hasMessageContaining("not Vertex AI's https endpoint");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("vertex", gcp.vertexUrl(), List.of("/v1/projects/x"), List.of(), null, null, null,
                null, null, null, null, g), Map.of())).hasMessageContaining("may only narrow");
    }

    @Test
    void aBodyThatWouldMakeGoogleReachBeyondTheRequestIsRefused() throws Exception {
        proxy(vertex(GcpStandIns.PROVIDER, null), gcp.githubEnv());
        String gemini = "/vertex/v1/projects/" + GcpStandIns.PROJECT + "/locations/" + GcpStandIns.REGION
                + "/publishers/google/models/gemini-2.5-pro:generateContent";
        assertThat(call(gemini, "{\"cachedContent\":\"projects/other/locations/us/cachedContents/1\",\"contents\":[]}")).startsWith("HTTP/1.1 403")
                .contains("server-side");
        assertThat(call(gemini, "{\"contents\":[{\"parts\":[{\"fileData\":{\"fileUri\":\"gs://someone-elses-bucket/x\"}}]}]}"))
                .startsWith("HTTP/1.1 403");
        assertThat(call(gemini, "{\"contents\":[],\"tools\":[{\"googleSearch\":{}}]}")).startsWith("HTTP/1.1 403").contains("googleSearch");
        assertThat(call(gemini, "{\"contents\":[],\"tools\":[{\"urlContext\":{}}]}")).startsWith("HTTP/1.1 403");
        assertThat(call("/vertex/v1/projects/" + GcpStandIns.PROJECT + "/locations/" + GcpStandIns.REGION
                + "/publishers/mistralai/models/m:rawPredict", BODY)).startsWith("HTTP/1.1 403").contains("publisher");
        assertThat(gcp.verdicts).isEmpty();
        // function declarations are the agent's own tools: relayed
        assertThat(call(gemini, "{\"contents\":[],\"tools\":[{\"functionDeclarations\":[{\"name\":\"write_file\"}]}]}",
                "content-type: application/json")).startsWith("HTTP/1.1 200");
    }

    @Test
    void endpointsForTheTokensAreGooglesOrLoopbackOnly() {
        var g = new ProxyConfig.Gcp(GcpStandIns.PROJECT, GcpStandIns.REGION, GcpStandIns.PROVIDER, GcpStandIns.SERVICE_ACCOUNT, null, null,
                "https://sts.evil.example/v1/token", null);
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("vertex", gcp.vertexUrl(), List.of(), List.of(), null, null, null, null, null, null,
                null, g), gcp.githubEnv())).isInstanceOf(UsageException.class).hasMessageContaining("not Google's STS");
        var wrongRegion = new ProxyConfig.Gcp(GcpStandIns.PROJECT, GcpStandIns.REGION, null, null, null, null, null, null);
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("vertex", "https://europe-west1-aiplatform.googleapis.com", List.of(), List.of(), null,
                null, null, null, null, null, null, wrongRegion), Map.of())).hasMessageContaining("not Vertex AI's https endpoint");
    }
}
