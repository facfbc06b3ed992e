package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelProxyTest {
    static final String KEY = "sk-ant-api03-" + "hostonly".repeat(12);

    @TempDir
    Path tmp;
    ScriptedModelServer upstream;
    ModelProxy proxy;
    final List<ProxyEvent> events = new CopyOnWriteArrayList<>();
    final List<String> budget = new CopyOnWriteArrayList<>();

    ProxyListener listener = new ProxyListener() {
        @Override
        public void onRequest(ProxyEvent event) {
            events.add(event);
        }

        @Override
        public void onBudgetExceeded(String reason) {
            budget.add(reason);
        }
    };

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

    ModelProxy proxy(Integer maxRequests, Long maxBytes, Long budgetTokens) throws dev.agentsandbox.error.AgentSandboxException {
        ProxyConfig c = new ProxyConfig(List.of(
                new ProxyConfig.Upstream("anthropic", upstream.url(), List.of("/v1/messages"), List.of("POST"), "TEST_ANTHROPIC_KEY", null),
                new ProxyConfig.Upstream("openai", upstream.url(), List.of("/v1/chat/completions"), null, "TEST_OPENAI_KEY", null),
                new ProxyConfig.Upstream("gemini", upstream.url(), List.of("/v1beta/models"), null, "TEST_OPENAI_KEY", null)),
                null, maxRequests, maxBytes, budgetTokens, null);
        proxy = ModelProxy.start(c, tmp, Map.of("TEST_ANTHROPIC_KEY", KEY, "TEST_OPENAI_KEY", "sk-openai-host-key-123456"), listener);
        return proxy;
    }

    SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(proxy.socket()));
        return ch;
    }

    String call(String method, String path, String body, String... headers) throws IOException {
        try (SocketChannel ch = connect(); OutputStream out = Channels.newOutputStream(ch); InputStream in = Channels.newInputStream(ch)) {
            send(out, method, path, body, headers);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void send(OutputStream out, String method, String path, String body, String... headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(b.length).append("\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    /**
     * 5,000 connections that send nothing, and half-sent bodies: at most a fixed number are served at
     * once (the rest answered 503 and closed at once), and a request that does not arrive whole is
     * dropped; the host keeps its threads (5,022 were made before).
     */
    @Test
    void idleConnectionsAndHalfSentBodiesCannotExhaustTheHost() throws Exception {
        proxy(null, 8L << 20, null);
        int threadsBefore = Thread.activeCount();
        List<SocketChannel> idle = new java.util.ArrayList<>();
        try {
            int refused = 0;
            for (int i = 0; i < 5000; i++) {
                SocketChannel ch = connect();
                idle.add(ch);
                if (i >= ModelProxy.MAX_CONNECTIONS) {
                    // the acceptor answers at once
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64);
                    if (i % 500 == 0 && ch.read(b) > 0 && new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 503")) {
                        refused++;
                    }
                }
                if (idle.size() > 200) {
                    idle.remove(idle.size() - 1).close(); // keep the test's own descriptors bounded; the proxy's count is what matters
                }
            }
            assertThat(refused).isPositive();
            assertThat(Thread.activeCount() - threadsBefore).as("host threads").isLessThan(ModelProxy.MAX_CONNECTIONS + 10);
        } finally {
            for (SocketChannel ch : idle) {
                ch.close();
            }
        }
        // the slots come back as their connections end (each worker notices its client went away): within seconds, a request is served
        String served = "";
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!served.startsWith("HTTP/1.1 200") && System.nanoTime() < deadline) {
            try {
                served = call("POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[]}");
            } catch (IOException e) {
                served = "refused while the slots were still held: " + e.getMessage();
                Thread.sleep(100);
            }
        }
        assertThat(served).startsWith("HTTP/1.1 200");
    }

    /** A client that closes a stream early (Claude Code after message_delta): the answer is still metered and audited. */
    @Test
    void aStreamTheClientClosesEarlyIsStillCountedAndAudited() throws Exception {
        proxy(null, null, null);
        upstream.releaseSecondEvent = new java.util.concurrent.CountDownLatch(1);
        try (SocketChannel ch = connect(); OutputStream out = Channels.newOutputStream(ch); InputStream in = Channels.newInputStream(ch)) {
            send(out, "POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"stream\":true,\"messages\":[]}");
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[256];
            while (!seen.toString().contains("content_block_start")) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } // closed before the rest of the answer
        upstream.releaseSecondEvent.countDown();
        for (int i = 0; i < 100 && events.isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.inputTokens()).isEqualTo(10);
            assertThat(e.outputTokens()).isEqualTo(12);
        });
    }

    @Test
    void theUpstreamGetsTheInjectedKeyAndNeverTheClientsAndTheClientNeverSeesIt() throws Exception {
        proxy(null, null, null);
        String resp = call("POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[]}",
                "x-api-key: fake-client-key", "Authorization: Bearer fake-client-token");
        assertThat(resp).startsWith("HTTP/1.1 200").contains("Hello from the scripted model").doesNotContain(KEY);
        var got = upstream.received.get(0);
        assertThat(got.headers().get("X-api-key")).containsExactly(KEY);
        assertThat(got.headers().toString()).doesNotContain("fake-client-key").doesNotContain("fake-client-token");
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.model()).isEqualTo("claude-x");
            assertThat(e.inputTokens()).isEqualTo(10);
            assertThat(e.outputTokens()).isEqualTo(12);
            assertThat(e.toString()).doesNotContain(KEY);
        });
        String openai = call("POST", "/openai/v1/chat/completions", "{\"model\":\"gpt-x\"}");
        assertThat(openai).contains("chat.completion");
        assertThat(upstream.received.get(1).headers().get("Authorization")).containsExactly("Bearer sk-openai-host-key-123456");
    }

    /** Gemini: the key as x-goog-api-key (the client's placeholder never passes), the model from the path, batches refused. */
    @Test
    void geminiGetsItsKeyHeaderAndItsBatchesAreRefused() throws Exception {
        proxy(null, null, null);
        String r = call("POST", "/gemini/v1beta/models/gemini-2.5-pro:generateContent", "{\"contents\":[]}",
                "x-goog-api-key: placeholder-from-the-agent");
        assertThat(r).startsWith("HTTP/1.1 200");
        var got = upstream.received.get(0);
        assertThat(got.headers().get("X-goog-api-key")).containsExactly("sk-openai-host-key-123456");
        assertThat(got.headers()).doesNotContainKey("Authorization");
        assertThat(got.headers().toString()).doesNotContain("placeholder-from-the-agent");
        assertThat(events.get(0).model()).isEqualTo("gemini-2.5-pro");
        assertThat(call("POST", "/gemini/v1beta/models/gemini-2.5-pro:batchGenerateContent", "{}")).startsWith("HTTP/1.1 403")
                .contains("without reporting them");
        assertThat(upstream.received).hasSize(1);
    }

    @Test
    void unlistedProvidersPathsAndMethodsAreRefusedWithTheRuleAndAudited() throws Exception {
        proxy(null, null, null);
        assertThat(call("POST", "/evil/v1/messages", "{}")).startsWith("HTTP/1.1 403").contains("no upstream 'evil' is configured");
        assertThat(call("POST", "/anthropic/v1/files", "{}")).startsWith("HTTP/1.1 403").contains("path /v1/files is not allowed for anthropic");
        // under the /v1/messages allowance, but a batch spends without reporting usage: refused unless named itself
        assertThat(call("POST", "/anthropic/v1/messages/batches", "{\"requests\":[]}")).startsWith("HTTP/1.1 403")
                .contains("spends tokens without reporting them to the proxy");
        assertThat(call("GET", "/anthropic/v1/messages", "")).startsWith("HTTP/1.1 403").contains("method GET is not allowed");
        assertThat(call("POST", "/anthropic/v1/messages/../../admin", "{}")).startsWith("HTTP/1.1 400");
        assertThat(upstream.received).isEmpty();
        assertThat(events).extracting(ProxyEvent::refusedBy).containsExactly("unknown-upstream", "path", "unmetered", "method", "ambiguous-path");
    }

    @Test
    void aWebSocketUpgradeIsAnsweredWith426SoTheClientFallsBackToHttpAtOnce() throws Exception {
        proxy(null, null, null);
        // Codex opens GET /v1/responses with an upgrade first; 426 makes it fall back at once, 403 made it retry 7 times.
        String resp = call("GET", "/openai/v1/responses", "", "Connection: Upgrade", "Upgrade: websocket",
                "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
        assertThat(resp).startsWith("HTTP/1.1 426 Upgrade Required").contains("does not relay websocket upgrades");
        assertThat(call("POST", "/anthropic/v1/messages", "{}", "Upgrade: h2c")).startsWith("HTTP/1.1 426");
        assertThat(upstream.received).isEmpty();
        assertThat(events).extracting(ProxyEvent::refusedBy).containsExactly("upgrade", "upgrade");
    }

    @Test
    void aSlowStreamArrivesChunkByChunk() throws Exception {
        proxy(null, null, null);
        upstream.releaseSecondEvent = new CountDownLatch(1);
        try (SocketChannel ch = connect(); OutputStream out = Channels.newOutputStream(ch); InputStream in = Channels.newInputStream(ch)) {
            send(out, "POST", "/anthropic/v1/messages", "{\"model\":\"m\",\"stream\":true}");
            // The first event must come through while the upstream still holds back the second.
            String first = readUntil(in, "message_start");
            assertThat(first).contains("text/event-stream").doesNotContain("content_block_delta");
            upstream.releaseSecondEvent.countDown();
            String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(rest).contains("content_block_delta", "message_stop");
        }
        assertThat(events.get(0).outputTokens()).isEqualTo(12);
    }

    static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.UTF_8).contains(marker)) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theBudgetStopsFurtherRequestsAndTellsTheRunner() throws Exception {
        proxy(null, null, 30L);
        upstream.outputTokens = 25;
        assertThat(call("POST", "/anthropic/v1/messages", "{}")).startsWith("HTTP/1.1 200");
        assertThat(budget).singleElement().asString().contains("35 tokens, over its budget of 30");
        assertThat(call("POST", "/anthropic/v1/messages", "{}")).startsWith("HTTP/1.1 429").contains("token budget");
        assertThat(upstream.received).hasSize(1);
    }

    @Test
    void aRefusedBodyIsDrainedSoTheClientAlwaysReadsTheAnswer() throws Exception {
        proxy(null, 100L, null);
        // The client is still writing 2 MB when the proxy answers 413: it must read the answer, never a broken pipe.
        for (int i = 0; i < 30; i++) {
            assertThat(call("POST", "/anthropic/v1/messages", "x".repeat(2 << 20))).startsWith("HTTP/1.1 413").contains("request-size");
        }
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void ambiguousPathsAreRefusedAndNeverForwarded() throws Exception {
        proxy(null, null, null);
        for (String path : List.of("/anthropic/v1/messages/%2e%2e/%2e%2e/v1/organizations/api_keys", "/anthropic/v1/messages/%2E%2E/files",
                "/anthropic/v1/messages%2Fx", "/anthropic/v1/messages;jsessionid=1", "/anthropic/v1/messages/..;/files",
                "/anthropic//v1/messages", "/anthropic/v1/messages/", "/anthropic/v1\\messages", "/anthropic/v1/./messages",
                "/anthropic/v1/messages/../../v1/files", "/anthropic/v1/messages#frag", "/anthropic/v1/m\u00e9ssages",
                // %3A alone is read (as ':'); any other encoding next to it is still refused
                "/anthropic/v1/messages%3A%2e%2e", "/anthropic/v1/messages/%253A", "/anthropic/v1%3A/..")) {
            assertThat(call("POST", path, "{}")).as(path).startsWith("HTTP/1.1 400").contains("ambiguous-path");
        }
        for (String path : List.of("/anthropic/v1/messages_anything_else", "/anthropic/v1/messagesx", "/anthropic/v1", "/anthropic/v1/files")) {
            assertThat(call("POST", path, "{}")).as(path).startsWith("HTTP/1.1 403").contains("\"path\"");
        }
        assertThat(upstream.received).isEmpty();
        // whole segments below an allowed path, and a query, do pass
        assertThat(call("POST", "/anthropic/v1/messages?beta=true", "{}")).startsWith("HTTP/1.1 200");
        assertThat(upstream.received.get(0).path()).isEqualTo("/v1/messages?beta=true");
    }

    @Test
    void theKeyIsScrubbedFromResponseBodiesEvenSplitAcrossReads() throws Exception {
        proxy(null, null, null);
        String resp = call("POST", "/anthropic/v1/messages/count_tokens", "{}");
        String body = resp.replaceAll("\r\n[0-9a-f]+\r\n", ""); // the chunks joined
        assertThat(resp).startsWith("HTTP/1.1 401");
        assertThat(body).contains("invalid x-api-key [REDACTED:proxy-key] given").doesNotContain(KEY).doesNotContain("hostonlyhostonly");
    }

    @Test
    void fuzzedRequestsAreAnsweredAndOnlyAllowedPathsEverReachTheUpstream() throws Exception {
        proxy(100_000, 4096L, null);
        java.util.Random rnd = new java.util.Random(20261201);
        String[] pieces = {"/", "//", ".", "..", "%2e", "%2F", "%5c", ";", "\\", "v1", "messages", "files", "anthropic", "openai", "?", "#",
            "%", "%zz", "\u0000", "\r", " ", "\t", "\u00ff", "messages_x", "count_tokens", "&", "=", "@", ":"};
        for (int i = 0; i < 400; i++) {
            StringBuilder target = new StringBuilder(rnd.nextBoolean() ? "/anthropic/v1/messages" : "/");
            for (int k = rnd.nextInt(6); k > 0; k--) {
                target.append(pieces[rnd.nextInt(pieces.length)]);
            }
            String method = rnd.nextInt(5) == 0 ? "GET" : "POST";
            String resp;
            try (SocketChannel ch = connect(); OutputStream out = Channels.newOutputStream(ch); InputStream in = Channels.newInputStream(ch)) {
                out.write((method + " " + target + " HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                resp = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            assertThat(resp).as(target.toString()).matches("(?s)HTTP/1\\.1 (200|400|401|403) .*");
        }
        for (ScriptedModelServer.Received r : upstream.received) {
            String path = r.path().replaceAll("\\?.*", "");
            assertThat(path).as(r.path()).matches("/v1/messages(/[A-Za-z0-9_\\-~!$&'()*+,=:@]+)*").doesNotContain("..");
        }
    }

    @Test
    void limitsOnSizeAndCountAndMalformedRequestsAreAnswered() throws Exception {
        proxy(2, 100L, null);
        assertThat(call("POST", "/anthropic/v1/messages", "x".repeat(101))).startsWith("HTTP/1.1 413");
        assertThat(call("BAD REQUEST LINE", "", "")).startsWith("HTTP/1.1 400");
        assertThat(call("POST", "/anthropic/v1/messages", "{}")).startsWith("HTTP/1.1 200");
        assertThat(call("POST", "/anthropic/v1/messages", "{}")).startsWith("HTTP/1.1 200");
        assertThat(call("POST", "/anthropic/v1/messages", "{}")).startsWith("HTTP/1.1 429").contains("max-requests");
    }

    @Test
    void aMissingKeyFailsAtStartNamingTheVariable() {
        ProxyConfig c = new ProxyConfig(List.of(new ProxyConfig.Upstream("anthropic", upstream.url(), null, null, "NOT_SET_ANYWHERE", null)),
                null, null, null, null, null);
        assertThatThrownBy(() -> ModelProxy.start(c, tmp, Map.of(), listener)).hasMessageContaining("NOT_SET_ANYWHERE is not set on the host");
    }
}
