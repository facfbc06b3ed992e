package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/**
 * Reads token usage from responses as they stream past, without holding the stream: JSON bodies
 * are kept up to a bound, server-sent events are read line by line (Anthropic message_start and
 * message_delta, OpenAI's final chunk), and Bedrock's event-stream frames one by one.
 */
final class UsageMeter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_JSON = 1 << 20;

    private final boolean sse;
    /** Bedrock's streams: AWS event-stream frames, decoded by the SDK's own decoder; null for other answers. */
    private final software.amazon.awssdk.eventstream.MessageDecoder frames;
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    private boolean truncated;
    private boolean finished;
    private final ToolCalls tools = new ToolCalls();
    private long input;
    private long output;

    UsageMeter(String contentType) {
        this.sse = contentType != null && contentType.contains("text/event-stream");
        this.frames = contentType != null && contentType.contains("application/vnd.amazon.eventstream")
                ? new software.amazon.awssdk.eventstream.MessageDecoder(this::frame) : null;
    }

    /**
     * One event-stream frame: InvokeModelWithResponseStream wraps each provider event as base64 in
     * {@code {"bytes": …}} and ends with {@code amazon-bedrock-invocationMetrics}; ConverseStream's
     * {@code metadata} event carries {@code usage} itself.
     */
    private void frame(software.amazon.awssdk.eventstream.Message m) {
        String payload = new String(m.getPayload(), StandardCharsets.UTF_8);
        try {
            JsonNode n = JSON.readTree(payload);
            if (n != null && n.path("bytes").isTextual()) {
                String inner = new String(java.util.Base64.getDecoder().decode(n.get("bytes").asText()), StandardCharsets.UTF_8);
                read(inner);
                JsonNode metrics = JSON.readTree(inner).path("amazon-bedrock-invocationMetrics");
                if (metrics.isObject()) {
                    input = Math.max(input, metrics.path("inputTokenCount").asLong(0));
                    output = Math.max(output, metrics.path("outputTokenCount").asLong(0));
                }
            } else {
                read(payload);
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            truncated = true; // a frame the meter cannot read: its tokens are unknown
        }
    }

    /** Bytes as they pass; decoded whole (a character split between two reads stays whole). */
    void accept(byte[] buf, int len) {
        if (frames != null) {
            try {
                frames.feed(buf, 0, len);
            } catch (RuntimeException e) {
                truncated = true; // framing the decoder rejects (a bad checksum): the rest is not counted
            }
            return;
        }
        if (!sse) {
            int room = MAX_JSON - pending.size();
            pending.write(buf, 0, Math.max(0, Math.min(room, len)));
            truncated |= len > room;
            return;
        }
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (buf[i] == '\n') {
                pending.write(buf, start, i - start);
                line(pending.toString(StandardCharsets.UTF_8).strip());
                pending.reset();
                start = i + 1;
            }
        }
        pending.write(buf, start, len - start);
    }

    private void line(String line) {
        if (line.startsWith("data:")) {
            read(line.substring(5).strip());
        }
    }

    void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (frames != null) {
            return;
        }
        if (!sse && pending.size() > 0 && !truncated) {
            read(pending.toString(StandardCharsets.UTF_8));
        } else if (sse && pending.size() > 0) {
            line(pending.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** Whether a JSON body was too large to read its usage from (then the tokens are unknown). */
    boolean truncated() {
        return truncated;
    }

    private void read(String data) {
        if (data.startsWith("[")) {
            // Gemini's streamGenerateContent without alt=sse: one JSON array of the chunks
            try {
                JSON.readTree(data).forEach(c -> read(c.toString()));
            } catch (java.io.IOException e) {
                // not JSON after all: not counted
            }
            return;
        }
        if (!data.startsWith("{")) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(data);
            tools.accept(n);
            JsonNode gemini = n.path("usageMetadata");
            if (gemini.isObject()) {
                // Gemini reports the running totals in each chunk; thinking and tool-use prompts are billed too
                input = Math.max(input, gemini.path("promptTokenCount").asLong(0) + gemini.path("toolUsePromptTokenCount").asLong(0));
                output = Math.max(output, gemini.path("candidatesTokenCount").asLong(0) + gemini.path("thoughtsTokenCount").asLong(0));
                return;
            }
            // whole answers and Chat Completions' last chunk: usage; Anthropic's message_start: message.usage;
            // OpenAI Responses streamed: response.completed (and .incomplete, .failed) carry response.usage
            JsonNode usage = n.has("usage") ? n.get("usage") : n.path("message").has("usage") ? n.path("message").path("usage")
                    : n.path("response").path("usage");
            if (usage.isMissingNode() || usage.isNull()) {
                return;
            }
            // Anthropic reports input once (message_start) and output cumulatively (message_delta).
            input = Math.max(input, usage.path("input_tokens").asLong(usage.path("prompt_tokens").asLong(usage.path("inputTokens").asLong(0))));
            output = Math.max(output, usage.path("output_tokens").asLong(usage.path("completion_tokens").asLong(usage.path("outputTokens").asLong(0))));
        } catch (java.io.IOException e) {
            // Not JSON after all (a partial or foreign event): usage is simply not counted from it.
        }
    }

    /** The tool calls the answer asked for. */
    java.util.List<ToolCalls.ToolCall> toolCalls() {
        return tools.calls();
    }

    long input() {
        return input;
    }

    long output() {
        return output;
    }

    /**
     * A streamed Chat Completions request reports its usage only when asked (stream_options.include_usage):
     * the proxy asks for it where the client did not, so that every streamed answer is metered.
     */
    static byte[] withStreamUsage(String path, byte[] body) {
        if (!path.endsWith("/chat/completions") || body.length == 0 || body[0] != '{') {
            return body;
        }
        try {
            JsonNode n = JSON.readTree(body);
            if (!(n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) || !o.path("stream").asBoolean(false)
                    || o.path("stream_options").path("include_usage").asBoolean(false)) {
                return body;
            }
            com.fasterxml.jackson.databind.node.ObjectNode opts = o.path("stream_options") instanceof com.fasterxml.jackson.databind.node.ObjectNode so
                    ? so : o.putObject("stream_options");
            opts.put("include_usage", true);
            return JSON.writeValueAsBytes(o);
        } catch (java.io.IOException e) {
            return body; // not JSON: the upstream refuses it
        }
    }
}
