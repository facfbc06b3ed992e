package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool calls a model's answer asks the agent to make, read from the response as it passes (the
 * model's side of "what did the agent do"): Anthropic {@code tool_use} blocks (streamed as
 * {@code input_json_delta} or whole), OpenAI Chat Completions {@code tool_calls} (streamed as deltas or
 * whole), Responses API {@code function_call} / {@code custom_tool_call} items and Gemini's
 * {@code functionCall} parts. Each call is kept
 * as its name, id, the SHA-256 of its input and a short preview; inputs are bounded.
 */
public final class ToolCalls {
    static final int MAX_CALLS = 256;
    static final int MAX_INPUT = 1 << 20;
    static final int PREVIEW = 200;

    /**
     * One tool call.
     *
     * @param id the call's id as the API gives it
     * @param name the tool
     * @param inputSha256 SHA-256 of the input as sent (the JSON arguments, or a custom tool's text)
     * @param preview its first characters, to be redacted before it is kept
     */
    public record ToolCall(String id, String name, String inputSha256, String preview) {
        public ToolCall withPreview(String p) {
            return new ToolCall(id, name, inputSha256, p);
        }
    }

    private static final class Pending {
        String id;
        String name;
        final StringBuilder input = new StringBuilder();
    }

    ToolCalls() {
    }

    private final List<ToolCall> calls = new ArrayList<>();
    private final Map<Integer, Pending> streaming = new LinkedHashMap<>();

    /** One JSON object of the response: a whole body, or one server-sent event's data. */
    void accept(JsonNode n) {
        String type = n.path("type").asText("");
        switch (type) {
            // Anthropic, streamed
            case "content_block_start" -> {
                JsonNode b = n.path("content_block");
                if (b.path("type").asText().equals("tool_use")) {
                    Pending p = pending(n.path("index").asInt());
                    p.id = b.path("id").asText(null);
                    p.name = b.path("name").asText(null);
                    if (b.path("input").size() > 0) {
                        append(p, b.path("input").toString());
                    }
                }
            }
            case "content_block_delta" -> {
                JsonNode d = n.path("delta");
                Pending p = streaming.get(n.path("index").asInt());
                if (p != null && d.path("type").asText().equals("input_json_delta")) {
                    append(p, d.path("partial_json").asText(""));
                }
            }
            case "content_block_stop" -> {
                Pending p = streaming.remove(n.path("index").asInt());
                if (p != null) {
                    add(p.id, p.name, p.input.toString());
                }
            }
            // OpenAI Responses API, streamed
            case "response.output_item.done" -> item(n.path("item"));
            // OpenAI Responses API, whole
            case "" -> {
                if (n.path("object").asText().equals("response")) {
                    n.path("output").forEach(this::item);
                }
            }
            default -> {
            }
        }
        // Anthropic, whole
        if (type.equals("message")) {
            for (JsonNode c : n.path("content")) {
                if (c.path("type").asText().equals("tool_use")) {
                    add(c.path("id").asText(null), c.path("name").asText(null), c.path("input").toString());
                }
            }
        }
        // Gemini (generateContent, or each chunk of streamGenerateContent): whole functionCall parts
        for (JsonNode candidate : n.path("candidates")) {
            for (JsonNode part : candidate.path("content").path("parts")) {
                JsonNode fc = part.path("functionCall");
                if (fc.isObject()) {
                    add(fc.path("id").asText(null), fc.path("name").asText(null), fc.path("args").toString());
                }
            }
        }
        // OpenAI Chat Completions, whole or streamed
        for (JsonNode choice : n.path("choices")) {
            for (JsonNode tc : choice.path("message").path("tool_calls")) {
                add(tc.path("id").asText(null), tc.path("function").path("name").asText(null), tc.path("function").path("arguments").asText(""));
            }
            for (JsonNode tc : choice.path("delta").path("tool_calls")) {
                Pending p = pending(1000 + tc.path("index").asInt());
                if (tc.hasNonNull("id")) {
                    p.id = tc.path("id").asText();
                }
                if (tc.path("function").hasNonNull("name")) {
                    p.name = tc.path("function").path("name").asText();
                }
                append(p, tc.path("function").path("arguments").asText(""));
            }
            if (!choice.path("finish_reason").isMissingNode() && !choice.path("finish_reason").isNull()) {
                finishChat();
            }
        }
    }

    private void item(JsonNode item) {
        switch (item.path("type").asText()) {
            case "function_call" -> add(item.path("call_id").asText(null), item.path("name").asText(null), item.path("arguments").asText(""));
            case "custom_tool_call" -> add(item.path("call_id").asText(null), item.path("name").asText(null), item.path("input").asText(""));
            default -> {
            }
        }
    }

    private void finishChat() {
        streaming.entrySet().removeIf(e -> {
            if (e.getKey() >= 1000) {
                add(e.getValue().id, e.getValue().name, e.getValue().input.toString());
                return true;
            }
            return false;
        });
    }

    private Pending pending(int index) {
        return streaming.computeIfAbsent(index, i -> new Pending());
    }

    private static void append(Pending p, String s) {
        int room = MAX_INPUT - p.input.length();
        p.input.append(s, 0, Math.max(0, Math.min(room, s.length())));
    }

    private void add(String id, String name, String input) {
        if (name == null || calls.size() >= MAX_CALLS) {
            return;
        }
        String bounded = input.length() > MAX_INPUT ? input.substring(0, MAX_INPUT) : input;
        calls.add(new ToolCall(id, name, sha256(bounded), bounded.length() <= PREVIEW ? bounded : bounded.substring(0, PREVIEW) + "…"));
    }

    /** The calls seen, streamed ones still open included (a stream cut short still asked for them). */
    List<ToolCall> calls() {
        streaming.values().forEach(p -> add(p.id, p.name, p.input.toString()));
        streaming.clear();
        return List.copyOf(calls);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
