package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A company gateway (LiteLLM, Portkey, an internal one) or Azure's api-key: the key in the header
 * the gateway names, fixed headers and headers from host variables on every request, and none of
 * them ever taken from the agent, which could otherwise pick a gateway route, team or key.
 */
class GatewayUpstreamTest {
    static final String KEY = "sk-gateway-" + "hostonly".repeat(6);
    static final String VIRTUAL_KEY = "vk-portkey-" + "hostonly".repeat(4);

    @TempDir
    Path tmp;
    ScriptedModelServer upstream;
    ModelProxy proxy;
    final List<ProxyEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedModelServer();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }

    static ProxyConfig.Upstream gateway(String provider, String url, String keyHeader, String keyPrefix, Map<String, String> headers,
            Map<String, String> headerEnv) {
        return new ProxyConfig.Upstream(provider, url, List.of("/v1/messages", "/v1/chat/completions"), List.of("POST"), "GW_KEY", null,
                keyHeader, keyPrefix, headers, headerEnv);
    }

    ModelProxy proxy(ProxyConfig.Upstream... ups) throws dev.agentsandbox.error.AgentSandboxException {
        proxy = ModelProxy.start(new ProxyConfig(List.of(ups), null, null, null, null, null), tmp,
                Map.of("GW_KEY", KEY, "PORTKEY_VK", VIRTUAL_KEY, "SHORT_VK", "abc"),
                ProxyCalls.recording(events));
        return proxy;
    }

    String call(String path, String body, String... headers) throws Exception {
        return ProxyCalls.call(proxy.socket(), path, body, headers);
    }

    @Test
    void aKeyTheGatewayRefusesEndsTheRunBeforeTheAgentStartsNamingTheSetting() throws Exception {
        upstream.refusedKeys.add(KEY);
        assertThatThrownBy(() -> proxy(gateway("anthropic", upstream.url() + "/gw", "X-LiteLLM-API-Key", "Bearer ", Map.of(), Map.of())))
                .isInstanceOf(dev.agentsandbox.error.RefusedException.class)
                .hasMessageContaining("proxy upstream 'anthropic'").hasMessageContaining("answered 401")
                .hasMessageContaining("the host variable GW_KEY").hasMessageContaining("X-LiteLLM-API-Key").hasMessageNotContaining(KEY);
        assertThat(upstream.listed).hasSize(1);
        assertThat(upstream.listed.get(0).path()).isEqualTo("/gw/v1/models");
        assertThat(upstream.listed.get(0).headers().get("X-litellm-api-key")).containsExactly("Bearer " + KEY);
        assertThat(upstream.received).as("no model request").isEmpty();
        assertThat(tmp.resolve(ModelProxy.SOCKET)).as("no proxy for an agent to reach").doesNotExist();
    }

    @Test
    void geminisAnswerToAWrongKeyRefusesAndTheCheckCanBeTurnedOff() throws Exception {
        upstream.refusedKeys.add(KEY);
        ProxyConfig.Upstream gemini = new ProxyConfig.Upstream("gemini", upstream.url(), List.of(), List.of("POST"), "GW_KEY", null);
        assertThatThrownBy(() -> proxy(gemini)).isInstanceOf(dev.agentsandbox.error.RefusedException.class)
                .hasMessageContaining("answered 400 API_KEY_INVALID").hasMessageContaining("AGENT_SANDBOX_KEY_CHECK=off");
        proxy = ModelProxy.start(new ProxyConfig(List.of(gemini), null, null, null, null, null), tmp,
                Map.of("GW_KEY", KEY, "AGENT_SANDBOX_KEY_CHECK", "off"), ProxyCalls.recording(events));
        assertThat(proxy.socket()).exists();
        assertThat(upstream.listed).hasSize(1);
    }

    /** Only a refused key refuses: a key that may not list models (401 naming scopes, 403), a gateway without the route (404), or no answer, go on. */
    @Test
    void aListTheKeyMayNotReadOrAGatewayWithoutTheRouteLetsTheRunGoOn() throws Exception {
        for (int status : new int[] {401, 403, 404, 500}) {
            com.sun.net.httpserver.HttpServer gw = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            gw.createContext("/", ex -> {
                // OpenAI's answer to a restricted key: taken, but without the scope to list models
                byte[] b = "{\"error\":{\"message\":\"You have insufficient permissions for this operation. Missing scopes: api.model.read.\"}}"
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, b.length);
                ex.getResponseBody().write(b);
                ex.close();
            });
            gw.start();
            try {
                proxy(gateway("openai", "http://127.0.0.1:" + gw.getAddress().getPort(), null, null, Map.of(), Map.of()));
                assertThat(proxy.socket()).as("status " + status).exists();
                proxy.close();
                proxy = null;
            } finally {
                gw.stop(0);
            }
        }
        proxy(gateway("openai", "http://127.0.0.1:9", null, null, Map.of(), Map.of()));
        proxy.close();
        proxy = null;
        // a gateway that never answers: bounded, then the run goes on
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            proxy(gateway("openai", "http://127.0.0.1:" + silent.getLocalPort(), null, null, Map.of(), Map.of()));
            assertThat(System.nanoTime() - t0).isLessThan(15_000_000_000L);
        }
        assertThat(proxy.socket()).as("no answer at all").exists();
    }

    @Test
    void theGatewayGetsItsKeyHeaderAndItsHeadersAndNeverTheAgents() throws Exception {
        Map<String, String> fixed = new LinkedHashMap<>();
        fixed.put("x-team", "platform");
        fixed.put("X-Route", "eu-only");
        proxy(gateway("anthropic", upstream.url() + "/gw/team-a/", "X-LiteLLM-API-Key", "Bearer ", fixed, Map.of("x-portkey-virtual-key", "PORTKEY_VK")));
        String resp = call("/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[]}",
                "x-team: attacker", "x-route: anywhere", "x-litellm-api-key: Bearer stolen-key", "X-Portkey-Virtual-Key: guessed",
                "x-api-key: placeholder", "Authorization: Bearer placeholder");
        assertThat(resp).startsWith("HTTP/1.1 200").doesNotContain(KEY).doesNotContain(VIRTUAL_KEY);
        var got = upstream.received.get(0);
        assertThat(got.path()).isEqualTo("/gw/team-a/v1/messages");
        assertThat(got.headers().get("X-litellm-api-key")).containsExactly("Bearer " + KEY);
        assertThat(got.headers().get("X-team")).containsExactly("platform");
        assertThat(got.headers().get("X-route")).containsExactly("eu-only");
        assertThat(got.headers().get("X-portkey-virtual-key")).containsExactly(VIRTUAL_KEY);
        assertThat(got.headers()).doesNotContainKeys("X-api-key", "Authorization");
        assertThat(got.headers().toString()).doesNotContain("attacker").doesNotContain("anywhere").doesNotContain("stolen-key")
                .doesNotContain("guessed").doesNotContain("placeholder");
        assertThat(proxy.keys()).as("a header read from the host is redacted like the key").contains(KEY, VIRTUAL_KEY);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.outputTokens()).as("metered as the protocol it speaks").isEqualTo(12);
            assertThat(e.toString()).doesNotContain(KEY).doesNotContain(VIRTUAL_KEY);
        });
    }

    /** A gateway that echoes what it was sent (an error page quoting the request) hands neither secret to the agent, byte by byte or in a header. */
    @Test
    void aGatewayEchoingItsHeadersHandsNoSecretToTheAgent() throws Exception {
        com.sun.net.httpserver.HttpServer echo = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        echo.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            if (ex.getRequestMethod().equals("GET")) { // the key check before the run: this key is good for the list
                ex.sendResponseHeaders(200, -1);
                ex.close();
                return;
            }
            byte[] b = ("{\"error\":\"denied: " + new java.util.TreeMap<>(ex.getRequestHeaders()) + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("X-Echo-VK", "key=" + ex.getRequestHeaders().getFirst("x-portkey-virtual-key"));
            ex.sendResponseHeaders(401, 0);
            try (var out = ex.getResponseBody()) {
                for (byte x : b) { // one byte a write: every secret split across reads
                    out.write(x);
                    out.flush();
                }
            }
        });
        echo.start();
        try {
            proxy(gateway("anthropic", "http://127.0.0.1:" + echo.getAddress().getPort(), "x-litellm-api-key", null, null,
                    Map.of("x-portkey-virtual-key", "PORTKEY_VK")));
            String resp = call("/anthropic/v1/messages", "{\"model\":\"claude-x\"}");
            int split = resp.indexOf("\r\n\r\n");
            String head = resp.substring(0, split);
            String body = dechunk(resp.substring(split + 4));
            assertThat(head).startsWith("HTTP/1.1 401").doesNotContainIgnoringCase("x-echo-vk");
            assertThat(body).contains("[REDACTED:proxy-key]").doesNotContain(KEY).doesNotContain(VIRTUAL_KEY).doesNotContain("vk-portkey");
        } finally {
            echo.stop(0);
        }
    }

    static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int eol = chunked.indexOf("\r\n", i);
            int size = Integer.parseInt(chunked.substring(i, eol).strip(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
    }

    /** A header the upstream request could not carry is the agent's malformed request (400, audited), never an error printed on the host. */
    @Test
    void anAgentsHeaderOutsidePrintableAsciiIsAMalformedRequest() throws Exception {
        proxy(gateway("anthropic", upstream.url(), "x-litellm-api-key", null, null, null));
        assertThat(call("/anthropic/v1/messages", "{}", "x-evil\u001b[2J: 1")).startsWith("HTTP/1.1 400").contains("malformed");
        assertThat(call("/anthropic/v1/messages", "{}", "x-name: caf\u00e9")).startsWith("HTTP/1.1 400");
        assertThat(upstream.received).isEmpty();
        assertThat(events).hasSize(2).allSatisfy(e -> assertThat(e.refusedBy()).isEqualTo("malformed"));
    }

    @Test
    void azureTakesTheKeyBareInApiKey() throws Exception {
        // an upstream named azure is Azure OpenAI: its inference paths only, the key bare in api-key by default
        proxy(new ProxyConfig.Upstream("azure", upstream.url(), List.of(), List.of(), "GW_KEY", null, null, null, null, null));
        assertThat(call("/azure/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "{\"model\":\"gpt-4o\"}", "api-key: placeholder"))
                .startsWith("HTTP/1.1 200");
        var got = upstream.received.get(0);
        assertThat(got.headers().get("Api-key")).containsExactly(KEY);
        assertThat(got.headers()).doesNotContainKey("Authorization");
    }

    @Test
    void headersARequestCannotCarryFailBeforeTheRunNamingTheSetting() {
        String u = upstream.url();
        assertThatThrownBy(() -> proxy(gateway("gw", u, "x key", null, null, null))).isInstanceOf(UsageException.class)
                .hasMessageContaining("proxy upstream 'gw': key-header").hasMessageContaining("is not a header name");
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, null, Map.of("Host", "evil.example"), null)))
                .hasMessageContaining("headers.Host").hasMessageContaining("set by the proxy itself");
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, null, Map.of("x-team", "a\r\nx-injected: 1"), null)))
                .hasMessageContaining("headers.x-team holds a character other than printable ASCII");
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, "Bearer\n", null, null))).hasMessageContaining("key-prefix holds a character other than printable ASCII");
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, null, null, Map.of("x-vk", "NOT_SET_ANYWHERE"))))
                .hasMessageContaining("header-env.x-vk names the variable NOT_SET_ANYWHERE, which is not set on the host");
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, null, Map.of("X-VK", "a"), Map.of("x-vk", "PORTKEY_VK"))))
                .hasMessageContaining("in both headers and header-env");
        assertThatThrownBy(() -> proxy(gateway("gw", u, "x-key", null, Map.of("X-Key", "a"), null))).hasMessageContaining("carries the key; give it once");
        // the provider's own key header counts too: anthropic's x-api-key would be overwritten by the key
        assertThatThrownBy(() -> proxy(gateway("anthropic", u, null, null, Map.of("x-api-key", "team-a"), null))).hasMessageContaining("x-api-key carries the key");
        // a value the request would carry altered (Z?rich) or fail on, printing it: refused before the run
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, null, Map.of("x-region", "Z\u00fcrich"), null))).hasMessageContaining("printable ASCII");
        // a short secret's scrubbing would tell the agent whether its guess was right
        assertThatThrownBy(() -> proxy(gateway("gw", u, null, null, null, Map.of("x-vk", "SHORT_VK"))))
                .hasMessageContaining("header-env.x-vk) is shorter than 8 characters");
    }
}
