package dev.agentsandbox.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A model API on loopback that speaks enough of the Anthropic Messages and OpenAI Chat
 * Completions APIs for tests, streaming included, and records what it received.
 */
public final class ScriptedModelServer implements AutoCloseable {
    public record Received(String method, String path, Map<String, List<String>> headers, String body) {
    }

    private final HttpServer server;
    public final List<Received> received = new CopyOnWriteArrayList<>();
    /** The streaming handler waits on this between its first and second event. */
    public volatile CountDownLatch releaseSecondEvent = new CountDownLatch(0);
    public volatile String answer = "Hello from the scripted model";
    public volatile int outputTokens = 12;
    public volatile String toolFile = "NOTES.md";
    public volatile String toolContent = "written by a real agent";

    public ScriptedModelServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()), Map.copyOf(ex.getRequestHeaders()), body));
        boolean stream = body.contains("\"stream\":true") || body.contains("\"stream\": true");
        String path = ex.getRequestURI().getPath();
        if (path.equals("/v1/messages") && stream && body.contains("\"name\":\"Write\"") && !body.contains("\"tool_result\"")) {
            writeTool(ex);
            return;
        }
        if (path.equals("/v1/messages") && stream) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"scripted\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}");
                event(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
                try {
                    releaseSecondEvent.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                event(out, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" + answer + "\"}}");
                event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
                event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                        + "\"usage\":{\"output_tokens\":" + outputTokens + "}}");
                event(out, "message_stop", "{\"type\":\"message_stop\"}");
            }
            return;
        }
        String json;
        if (path.equals("/v1/messages/count_tokens")) {
            // like an upstream that quotes the credential it was given in an error (split across writes)
            String key = ex.getRequestHeaders().getFirst("x-api-key");
            byte[] b = ("{\"type\":\"error\",\"error\":{\"message\":\"invalid x-api-key " + key + " given\"}}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(401, 0);
            try (OutputStream out = ex.getResponseBody()) {
                int half = b.length / 2;
                out.write(b, 0, half);
                out.flush();
                out.write(b, half, b.length - half);
            }
            return;
        }
        if (path.equals("/v1/messages")) {
            json = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"scripted\",\"content\":[{\"type\":\"text\",\"text\":\""
                    + answer + "\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":10,\"output_tokens\":" + outputTokens + "}}";
        } else if (path.equals("/v1/chat/completions")) {
            json = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"scripted\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                    + answer + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + outputTokens + ",\"total_tokens\":"
                    + (10 + outputTokens) + "}}";
        } else {
            json = "{\"ok\":true}";
        }
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** A coding agent's turn: call its Write tool (Claude Code's file-writing tool) once. */
    private void writeTool(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        String input = "{\\\"file_path\\\": \\\"/workspace/" + toolFile + "\\\", \\\"content\\\": \\\"" + toolContent + "\\\\n\\\"}";
        try (OutputStream out = ex.getResponseBody()) {
            event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"model\":\"scripted\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}");
            event(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                    + "\"id\":\"toolu_01\",\"name\":\"Write\",\"input\":{}}}");
            event(out, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
                    + "\"partial_json\":\"" + input + "\"}}");
            event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
            event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":20}}");
            event(out, "message_stop", "{\"type\":\"message_stop\"}");
        }
    }

    private static void event(OutputStream out, String name, String data) throws IOException {
        out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
