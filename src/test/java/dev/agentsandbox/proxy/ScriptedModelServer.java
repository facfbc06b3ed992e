package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A model API on loopback that speaks enough of the Anthropic Messages, OpenAI Chat Completions and
 * OpenAI Responses APIs for tests, streaming included, and records what it received. When a request
 * offers a file-writing tool of a known agent (Claude Code's {@code Write}, OpenCode's {@code write},
 * Codex's {@code exec_command}), the first turn calls it once and the next one ends the turn.
 */
public final class ScriptedModelServer implements AutoCloseable {
    public record Received(String method, String path, Map<String, List<String>> headers, String body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    public final List<Received> received = new CopyOnWriteArrayList<>();
    /** The streaming handler waits on this between its first and second event. */
    public volatile CountDownLatch releaseSecondEvent = new CountDownLatch(0);
    public volatile String answer = "Hello from the scripted model";
    public volatile int outputTokens = 12;
    public volatile String toolFile = "NOTES.md";
    public volatile String toolContent = "written by a real agent";
    /** When set, Claude Code's turn is this shell command through its Bash tool instead of a Write. */
    public volatile String bashCommand;

    public ScriptedModelServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    /** The model lists asked for (the proxy's key check before a run), apart from the model requests. */
    public final List<Received> listed = new CopyOnWriteArrayList<>();
    /** Keys refused, as the real APIs refuse a wrong key (in any of their key headers): 401, Gemini's 400 API_KEY_INVALID. */
    public final java.util.Set<String> refusedKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** GET /v1/models (Gemini: /v1beta/models): the list, or the refusal of a wrong key, as the real APIs answer. */
    private void listModels(HttpExchange ex) throws IOException {
        listed.add(new Received("GET", ex.getRequestURI().getRawPath(), Map.copyOf(ex.getRequestHeaders()), ""));
        boolean refused = ex.getRequestHeaders().values().stream().flatMap(List::stream)
                .anyMatch(v -> refusedKeys.stream().anyMatch(v::contains));
        boolean gemini = ex.getRequestURI().getPath().endsWith("/v1beta/models");
        // Gemini answers a wrong key with 400 API_KEY_INVALID; Anthropic and OpenAI with 401
        byte[] out = (!refused ? "{\"data\":[{\"id\":\"claude-x\",\"type\":\"model\"}],\"object\":\"list\"}"
                : gemini ? "{\"error\":{\"code\":400,\"message\":\"API key not valid.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"reason\":\"API_KEY_INVALID\"}]}}"
                : "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json");
        ex.sendResponseHeaders(!refused ? 200 : gemini ? 400 : 401, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equals("GET") && ex.getRequestURI().getPath().matches(".*/v1(beta)?/models")) {
            listModels(ex);
            return;
        }
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()), Map.copyOf(ex.getRequestHeaders()), body));
        String path = ex.getRequestURI().getPath();
        // Bedrock's InvokeModelWithResponseStream: Anthropic's events, each framed in AWS's event stream
        boolean bedrock = path.matches("/model/[^/]+/invoke-with-response-stream");
        boolean stream = bedrock || body.contains("\"stream\":true") || body.contains("\"stream\": true");
        boolean messages = bedrock || path.endsWith("/v1/messages");
        if (messages && stream && !body.contains("\"tool_result\"")) {
            if (bashCommand != null && body.contains("\"name\":\"Bash\"")) {
                writeTool(ex, "Bash", Map.of("command", bashCommand, "description", "Clean up"));
                return;
            }
            // Claude Code's Write tool takes file_path; OpenCode's write takes filePath.
            if (body.contains("\"name\":\"Write\"")) {
                writeTool(ex, "Write", Map.of("file_path", "/workspace/" + toolFile, "content", toolContent + "\n"));
                return;
            }
            if (body.contains("\"name\":\"write\"")) {
                writeTool(ex, "write", Map.of("filePath", "/workspace/" + toolFile, "content", toolContent + "\n"));
                return;
            }
        }
        if (path.matches("/model/[^/]+/converse-stream")) {
            converseStream(ex, body);
            return;
        }
        if (path.endsWith(":streamGenerateContent") || path.endsWith(":generateContent")) {
            gemini(ex, body, path.endsWith(":streamGenerateContent"));
            return;
        }
        if (path.endsWith("/v1/responses") && stream) {
            responses(ex, body);
            return;
        }
        if (messages && stream) {
            ex.getResponseHeaders().add("Content-Type", bedrock ? BedrockFrames.TYPE : "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = bedrock ? new BedrockFrames(ex.getResponseBody()) : ex.getResponseBody()) {
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
        if (path.endsWith("/v1/messages")) { // under a gateway's prefix too
            json = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"scripted\",\"content\":[{\"type\":\"text\",\"text\":\""
                    + answer + "\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":10,\"output_tokens\":" + outputTokens + "}}";
        } else if (path.endsWith("/v1/chat/completions")) {
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

    /**
     * Gemini's generateContent, whole or streamed as server-sent events (alt=sse, as the Gemini CLI
     * asks): Gemini CLI's write_file tool writes the file, then a text answer ends the turn. Usage is
     * in usageMetadata, running totals in each chunk.
     */
    private void gemini(HttpExchange ex, String body, boolean stream) throws IOException {
        boolean done = body.contains("\"functionResponse\"");
        // Gemini CLI's write_file, or OpenCode's write (filePath) when it is offered instead
        boolean openCode = !body.contains("\"write_file\"") && body.matches("(?s).*\"name\"\\s*:\\s*\"write\".*");
        Object part = done ? Map.of("text", answer)
                : openCode ? Map.of("functionCall", Map.of("name", "write", "args", Map.of("filePath", "/workspace/" + toolFile, "content", toolContent + "\n")))
                : body.contains("\"write_file\"")
                        ? Map.of("functionCall", Map.of("name", "write_file", "args", Map.of("file_path", "/workspace/" + toolFile, "content", toolContent + "\n")))
                        : Map.of("text", answer);
        String first = JSON.writeValueAsString(Map.of("candidates", List.of(Map.of("content", Map.of("role", "model", "parts", List.of(part)), "index", 0)),
                "usageMetadata", Map.of("promptTokenCount", 10, "candidatesTokenCount", 5, "totalTokenCount", 15)));
        String last = JSON.writeValueAsString(Map.of("candidates", List.of(Map.of("content", Map.of("role", "model", "parts", List.of(Map.of("text", ""))),
                "finishReason", "STOP", "index", 0)), "usageMetadata", Map.of("promptTokenCount", 10, "candidatesTokenCount", outputTokens,
                "thoughtsTokenCount", 3, "totalTokenCount", 13 + outputTokens)));
        if (!stream) {
            byte[] b = first.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
            return;
        }
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(("data: " + first + "\r\n\r\ndata: " + last + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A coding agent's turn: call its file-writing tool once. */
    private void writeTool(HttpExchange ex, String tool, Map<String, String> input) throws IOException {
        boolean bedrock = ex.getRequestURI().getPath().matches("/model/[^/]+/invoke-with-response-stream");
        ex.getResponseHeaders().add("Content-Type", bedrock ? BedrockFrames.TYPE : "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = bedrock ? new BedrockFrames(ex.getResponseBody()) : ex.getResponseBody()) {
            event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"model\":\"scripted\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}");
            event(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                    + "\"id\":\"toolu_01\",\"name\":\"" + tool + "\",\"input\":{}}}");
            event(out, "content_block_delta", JSON.writeValueAsString(Map.of("type", "content_block_delta", "index", 0,
                    "delta", Map.of("type", "input_json_delta", "partial_json", JSON.writeValueAsString(input)))));
            event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
            event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":20}}");
            event(out, "message_stop", "{\"type\":\"message_stop\"}");
        }
    }

    /**
     * The OpenAI Responses API, streamed: Codex's exec_command tool writes the file, then, once its
     * output comes back, an assistant message ends the turn.
     */
    private void responses(HttpExchange ex, String body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        boolean done = body.contains("\"function_call_output\"");
        boolean call = body.contains("\"name\":\"exec_command\"") && !done;
        // OpenCode's write tool (filePath, content), offered as a function on the Responses API
        boolean write = !call && body.contains("\"name\":\"write\"") && !done;
        Map<String, Object> item = call
                ? Map.of("type", "function_call", "id", "fc_1", "call_id", "call_1", "name", "exec_command", "status", "completed",
                        "arguments", JSON.writeValueAsString(Map.of("cmd", "printf '%s\\n' '" + toolContent + "' > " + toolFile)))
                : write ? Map.of("type", "function_call", "id", "fc_1", "call_id", "call_1", "name", "write", "status", "completed",
                        "arguments", JSON.writeValueAsString(Map.of("filePath", "/workspace/" + toolFile, "content", toolContent + "\n")))
                : Map.of("type", "message", "id", "msg_1", "role", "assistant", "status", "completed",
                        "content", List.of(Map.of("type", "output_text", "text", answer, "annotations", List.of())));
        Map<String, Object> usage = Map.of("input_tokens", 10, "input_tokens_details", Map.of("cached_tokens", 0),
                "output_tokens", outputTokens, "output_tokens_details", Map.of("reasoning_tokens", 0), "total_tokens", 10 + outputTokens);
        try (OutputStream out = ex.getResponseBody()) {
            event(out, "response.created", JSON.writeValueAsString(Map.of("type", "response.created",
                    "response", Map.of("id", "resp_1", "object", "response", "status", "in_progress", "output", List.of()))));
            event(out, "response.output_item.added", JSON.writeValueAsString(Map.of("type", "response.output_item.added", "output_index", 0, "item", item)));
            event(out, "response.output_item.done", JSON.writeValueAsString(Map.of("type", "response.output_item.done", "output_index", 0, "item", item)));
            event(out, "response.completed", JSON.writeValueAsString(Map.of("type", "response.completed",
                    "response", Map.of("id", "resp_1", "object", "response", "status", "completed", "output", List.of(item), "usage", usage))));
        }
    }

    /**
     * Bedrock's ConverseStream (OpenCode's Bedrock provider): a toolUse of OpenCode's write tool, then,
     * once its toolResult comes back, a text; each event framed in AWS's event stream under its name.
     */
    private void converseStream(HttpExchange ex, String body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", BedrockFrames.TYPE);
        ex.sendResponseHeaders(200, 0);
        boolean write = body.contains("\"name\":\"write\"") && !body.contains("\"toolResult\"");
        try (OutputStream raw = ex.getResponseBody()) {
            converseEvent(raw, "messageStart", Map.of("role", "assistant"));
            if (write) {
                converseEvent(raw, "contentBlockStart", Map.of("contentBlockIndex", 0, "start", Map.of("toolUse", Map.of("toolUseId", "tooluse_1", "name", "write"))));
                converseEvent(raw, "contentBlockDelta", Map.of("contentBlockIndex", 0, "delta", Map.of("toolUse", Map.of("input",
                        JSON.writeValueAsString(Map.of("filePath", "/workspace/" + toolFile, "content", toolContent + "\n"))))));
            } else {
                converseEvent(raw, "contentBlockDelta", Map.of("contentBlockIndex", 0, "delta", Map.of("text", answer)));
            }
            converseEvent(raw, "contentBlockStop", Map.of("contentBlockIndex", 0));
            converseEvent(raw, "messageStop", Map.of("stopReason", write ? "tool_use" : "end_turn"));
            converseEvent(raw, "metadata", Map.of("usage", Map.of("inputTokens", 10, "outputTokens", outputTokens, "totalTokens", 10 + outputTokens),
                    "metrics", Map.of("latencyMs", 5)));
        }
    }

    private static void converseEvent(OutputStream out, String type, Map<String, Object> payload) throws IOException {
        Map<String, software.amazon.awssdk.eventstream.HeaderValue> h = new java.util.LinkedHashMap<>();
        h.put(":event-type", software.amazon.awssdk.eventstream.HeaderValue.fromString(type));
        h.put(":content-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("application/json"));
        h.put(":message-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("event"));
        out.write(new software.amazon.awssdk.eventstream.Message(h, JSON.writeValueAsBytes(payload)).toByteBuffer().array());
        out.flush();
    }

    private static void event(OutputStream out, String name, String data) throws IOException {
        if (out instanceof BedrockFrames frames) {
            frames.frame(data);
            return;
        }
        out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Bedrock's streaming answer: each provider event base64 in {"bytes": …}, framed with the AWS SDK's event-stream encoder. */
    static final class BedrockFrames extends java.io.FilterOutputStream {
        static final String TYPE = "application/vnd.amazon.eventstream";

        BedrockFrames(OutputStream out) {
            super(out);
        }

        void frame(String event) throws IOException {
            Map<String, software.amazon.awssdk.eventstream.HeaderValue> h = new java.util.LinkedHashMap<>();
            h.put(":event-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("chunk"));
            h.put(":content-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("application/json"));
            h.put(":message-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("event"));
            String payload = "{\"bytes\":\"" + java.util.Base64.getEncoder().encodeToString(event.getBytes(StandardCharsets.UTF_8)) + "\"}";
            out.write(new software.amazon.awssdk.eventstream.Message(h, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer().array());
            out.flush();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
