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
 * Azure OpenAI through the proxy with Entra ID: the CI's token as a federated client assertion at an
 * Entra stand-in (Azure's identity library and MSAL, over https), the access token on every request
 * and checked by the resource stand-in that only accepts what Entra issued; renewed before expiry; a
 * refused assertion stopping the run before the agent starts; only the inference paths relayed.
 */
class AzureUpstreamTest {
    @TempDir
    Path tmp;
    AzureStandIns az;
    ModelProxy proxy;
    final List<ProxyEvent> events = new CopyOnWriteArrayList<>();
    Path token;

    @BeforeEach
    void start() throws Exception {
        az = new AzureStandIns(tmp);
        token = Files.writeString(tmp.resolve("oidc.jwt"), AwsStandIns.jwt("repo:acme/app:environment:prod", "api://AzureADTokenExchange", 9_999_999_999L));
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        az.close();
    }

    ProxyConfig.Upstream azure(String tenant, String client) {
        return new ProxyConfig.Upstream("azure", az.resource(), List.of(), List.of("POST"), null, null, null, null, null, null, null, null,
                new ProxyConfig.Azure(tenant, client, null, token.toString(), null, az.authority()));
    }

    ModelProxy proxy(ProxyConfig.Upstream up) throws Exception {
        proxy = ModelProxy.start(new ProxyConfig(List.of(up), null, null, null, null, null), tmp, Map.of(), ProxyCalls.recording(events));
        return proxy;
    }

    String call(String path, String body, String... headers) throws Exception {
        return ProxyCalls.call(proxy.socket(), path, body, headers);
    }

    static final String CHAT = "/azure/openai/deployments/gpt-5/chat/completions?api-version=2025-04-01-preview";
    static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void theCiTokenBecomesAnEntraTokenOnEveryRequestAndNeverTheAgents() throws Exception {
        proxy(azure(AzureStandIns.TENANT, AzureStandIns.CLIENT));
        String resp = call(CHAT, BODY, "content-type: application/json", "api-key: agents-own", "authorization: Bearer agents-own");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("\"content\":\"hi\"").doesNotContain("entra-");
        assertThat(az.verdicts).containsExactly("valid");
        assertThat(proxy.keys()).contains(az.tokens.get(0));
        assertThat(proxy.identities().get("azure")).containsEntry("tenant", AzureStandIns.TENANT).containsEntry("client", AzureStandIns.CLIENT)
                .containsEntry("audience", "api://AzureADTokenExchange");
        assertThat(proxy.identities().toString()).doesNotContain("entra-").doesNotContain("eyJ");
        assertThat(events).singleElement().satisfies(e -> assertThat(e.outputTokens()).isEqualTo(4));
    }

    @Test
    void onlyTheInferencePathsAndApiVersionAreRelayed() throws Exception {
        proxy(azure(AzureStandIns.TENANT, AzureStandIns.CLIENT));
        assertThat(call("/azure/openai/deployments?api-version=2024-10-21", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/azure/openai/files", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/azure/openai/deployments/gpt-5/chat/completions?api-version=1&api-key=x", BODY)).startsWith("HTTP/1.1 403");
        // Foundry's Claude: the Messages API with Claude Code's beta=true, no other query, no other Anthropic API
        assertThat(call("/azure/anthropic/v1/messages?beta=true&api-key=x", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/azure/anthropic/v1/messages/batches", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/azure/anthropic/v1/files", BODY)).startsWith("HTTP/1.1 403");
        assertThat(az.verdicts).isEmpty();
        assertThat(call("/azure/anthropic/v1/messages?beta=true", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[]}",
                "content-type: application/json")).startsWith("HTTP/1.1 200");
        assertThat(az.verdicts).containsExactly("valid");
        assertThat(call("/azure/openai/v1/chat/completions", BODY, "content-type: application/json")).startsWith("HTTP/1.1 200");
    }

    @Test
    void aTokenAboutToExpireIsRenewedWithAFreshAssertion() throws Exception {
        az.lifetimeSeconds = 120; // inside the five minutes before expiry: every use renews
        proxy(azure(AzureStandIns.TENANT, AzureStandIns.CLIENT));
        call(CHAT, BODY, "content-type: application/json");
        call(CHAT, BODY, "content-type: application/json");
        assertThat(az.verdicts).containsOnly("valid").hasSize(2);
        assertThat(az.assertions.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void anAppTheTenantDoesNotKnowStopsTheRunBeforeTheAgentStartsSayingWhy() {
        assertThatThrownBy(() -> proxy(azure(AzureStandIns.TENANT, "11111111-2222-3333-4444-555555555555"))).isInstanceOf(RefusedException.class)
                .hasMessageContaining("Entra ID refused").hasMessageContaining("AADSTS700016");
    }

    @Test
    void aConfiguredAzureUpstreamCannotSendItsTokenElsewhere() {
        var a = new ProxyConfig.Azure(null, null, null, null, null, null);
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("azure", "https://evil.example.com", List.of(), List.of(), null, null, null, null,
                null, null, null, null, a))).isInstanceOf(UsageException.class).hasMessageContaining("not an https Azure OpenAI endpoint");
        var b = new ProxyConfig.Azure(AzureStandIns.TENANT, AzureStandIns.CLIENT, null, token.toString(), null, "https://login.evil.example");
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("azure", az.resource(), List.of(), List.of(), null, null, null, null, null, null,
                null, null, b))).hasMessageContaining("not an Entra ID endpoint");
    }

    @Test
    void aBodyThatWouldMakeAzureReachBeyondTheRequestIsRefused() throws Exception {
        proxy(azure(AzureStandIns.TENANT, AzureStandIns.CLIENT));
        String responses = "/azure/openai/v1/responses";
        for (String body : new String[] {
            "{\"model\":\"gpt-5\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"https://attacker.example/x.png\"}]}]}",
            "{\"model\":\"gpt-5\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_url\":\"https://attacker.example/f\"}]}]}",
            "{\"model\":\"gpt-5\",\"input\":\"x\",\"background\":true}",
            "{\"model\":\"gpt-5\",\"input\":\"x\",\"previous_response_id\":\"resp_1\"}",
        }) {
            assertThat(call(responses, body)).as(body).startsWith("HTTP/1.1 403").containsPattern("cloud-body|server-side");
        }
        assertThat(call(CHAT, "{\"messages\":[],\"data_sources\":[{\"type\":\"azure_search\",\"parameters\":{\"endpoint\":\"https://other\"}}]}"))
                .startsWith("HTTP/1.1 403").contains("data_sources");
        assertThat(az.verdicts).isEmpty();
        // tools that would run on Azure's side are taken out; the agent's own stay
        assertThat(ServerSide.withoutServerTools(ServerSide.Api.OPENAI, ("{\"input\":\"x\",\"tools\":[{\"type\":\"mcp\",\"server_url\":\"https://attacker.example\"},"
                + "{\"type\":\"web_search\"},{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"namespace\",\"tools\":[{\"type\":\"file_search\"},"
                + "{\"type\":\"function\",\"name\":\"g\"}]}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .asString().doesNotContain("mcp").doesNotContain("attacker").doesNotContain("web_search").doesNotContain("file_search")
                .contains("\"name\":\"f\"").contains("\"name\":\"g\"");
        // the agent's own function tools and an inline image are relayed
        assertThat(call(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA==\"}}]}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}", "content-type: application/json")).startsWith("HTTP/1.1 200");
    }

    @Test
    void anApiKeyUpstreamNamedAzureGetsTheSamePathsHostsAndBodiesTheKeyInApiKey() throws Exception {
        assertThatThrownBy(() -> proxy(new ProxyConfig.Upstream("azure", "https://api.anthropic.com", List.of(), List.of(), "AZ_KEY", null, null, null,
                null, null))).isInstanceOf(UsageException.class).hasMessageContaining("not an https Azure OpenAI endpoint");
        proxy = ModelProxy.start(new ProxyConfig(List.of(new ProxyConfig.Upstream("azure", az.resource(), List.of(), List.of(), "AZ_KEY", null, null,
                null, null, null)), null, null, null, null, null), tmp, Map.of("AZ_KEY", "azure-key-" + "k".repeat(30)), ProxyCalls.recording(events));
        assertThat(call("/azure/openai/files", BODY)).startsWith("HTTP/1.1 403");
        assertThat(call("/azure/openai/v1/responses", "{\"input\":\"x\",\"background\":true}")).startsWith("HTTP/1.1 403");
        assertThat(call(CHAT, BODY, "content-type: application/json")).startsWith("HTTP/1.1 401"); // the stand-in takes only Entra tokens
        assertThat(az.verdicts).containsExactly("unknown token");
    }
}
