package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/**
 * Reads token usage from responses as they stream past, without holding the stream: JSON bodies
 * are kept up to a bound, server-sent events are read line by line (Anthropic message_start and
 * message_delta, OpenAI's final chunk).
 */
final class UsageMeter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_JSON = 1 << 20;

    private final boolean sse;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder json = new StringBuilder();
    private long input;
    private long output;

    UsageMeter(String contentType) {
        this.sse = contentType != null && contentType.contains("text/event-stream");
    }

    void accept(byte[] buf, int len) {
        String s = new String(buf, 0, len, StandardCharsets.UTF_8);
        if (!sse) {
            if (json.length() < MAX_JSON) {
                json.append(s);
            }
            return;
        }
        pending.append(s);
        int nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, nl).strip();
            pending.delete(0, nl + 1);
            if (line.startsWith("data:")) {
                read(line.substring(5).strip());
            }
        }
    }

    void finish() {
        if (!sse && json.length() > 0) {
            read(json.toString());
        }
    }

    private void read(String data) {
        if (!data.startsWith("{")) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(data);
            JsonNode usage = n.has("usage") ? n.get("usage") : n.path("message").path("usage");
            if (usage.isMissingNode() || usage.isNull()) {
                return;
            }
            // Anthropic reports input once (message_start) and output cumulatively (message_delta).
            input = Math.max(input, usage.path("input_tokens").asLong(usage.path("prompt_tokens").asLong(0)));
            output = Math.max(output, usage.path("output_tokens").asLong(usage.path("completion_tokens").asLong(0)));
        } catch (java.io.IOException e) {
            // Not JSON after all (a partial or foreign event): usage is simply not counted from it.
        }
    }

    long input() {
        return input;
    }

    long output() {
        return output;
    }
}
