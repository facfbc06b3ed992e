package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageMeterTest {
    static void feedInPieces(UsageMeter m, byte[] all, int piece) {
        for (int i = 0; i < all.length; i += piece) {
            byte[] part = java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + piece));
            m.accept(part, part.length);
        }
        m.finish();
    }

    @Test
    void eventsSplitAnywhereEvenInsideACharacterAreCounted() {
        String sse = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":12}}}\n\n"
                + "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"héllo €\"}}\n\n"
                + "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":34}}\n\n";
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        for (int piece = 1; piece < 12; piece++) {
            UsageMeter m = new UsageMeter("text/event-stream");
            feedInPieces(m, bytes, piece);
            assertThat(m.input()).as("piece " + piece).isEqualTo(12);
            assertThat(m.output()).as("piece " + piece).isEqualTo(34);
        }
    }

    /** Codex's stream: usage only in response.completed's response.usage (it counted 0 before). */
    @Test
    void streamedResponsesAreMeteredFromTheirCompletedEvent() {
        String sse = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"usage\":null}}\n\n"
                + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\n"
                + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":"
                + "{\"input_tokens\":20000,\"output_tokens\":4000,\"total_tokens\":24000}}}\n\n";
        UsageMeter m = new UsageMeter("text/event-stream");
        feedInPieces(m, sse.getBytes(StandardCharsets.UTF_8), 7);
        assertThat(m.input()).isEqualTo(20000);
        assertThat(m.output()).isEqualTo(4000);
    }

    /**
     * Gemini: usageMetadata's running totals in each chunk, thinking billed as output; streamed as
     * server-sent events (alt=sse) or as one JSON array; functionCall parts audited as tool calls.
     */
    @Test
    void geminiIsMeteredInEveryShapeItStreams() {
        String chunk1 = "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"write_file\",\"args\":{\"file_path\":\"a\"}}}]}}],"
                + "\"usageMetadata\":{\"promptTokenCount\":100,\"candidatesTokenCount\":5}}";
        String chunk2 = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}]},\"finishReason\":\"STOP\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":100,\"toolUsePromptTokenCount\":7,\"candidatesTokenCount\":30,\"thoughtsTokenCount\":12}}";
        UsageMeter sse = new UsageMeter("text/event-stream");
        feedInPieces(sse, ("data: " + chunk1 + "\r\n\r\ndata: " + chunk2 + "\r\n\r\n").getBytes(StandardCharsets.UTF_8), 5);
        UsageMeter array = new UsageMeter("application/json");
        feedInPieces(array, ("[" + chunk1 + ",\n" + chunk2 + "]").getBytes(StandardCharsets.UTF_8), 9);
        for (UsageMeter m : new UsageMeter[] {sse, array}) {
            assertThat(m.input()).isEqualTo(107);
            assertThat(m.output()).isEqualTo(42);
            assertThat(m.toolCalls()).extracting(ToolCalls.ToolCall::name).containsExactly("write_file");
        }
    }

    /** A Chat Completions stream counts only what it is asked to report: the proxy asks where the client did not. */
    @Test
    void aChatStreamIsAskedForItsUsage() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        byte[] asked = UsageMeter.withStreamUsage("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(json.readTree(asked).at("/stream_options/include_usage").asBoolean()).isTrue();
        byte[] kept = UsageMeter.withStreamUsage("/v1/chat/completions",
                "{\"stream\":true,\"stream_options\":{\"include_usage\":false,\"x\":1}}".getBytes(StandardCharsets.UTF_8));
        assertThat(json.readTree(kept).at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(json.readTree(kept).at("/stream_options/x").asInt()).isEqualTo(1);
        byte[] whole = "{\"stream\":false}".getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeter.withStreamUsage("/v1/chat/completions", whole)).isSameAs(whole);
        assertThat(UsageMeter.withStreamUsage("/v1/messages", "{\"stream\":true}".getBytes(StandardCharsets.UTF_8))).asString()
                .doesNotContain("include_usage");
    }

    @Test
    void aJsonBodyIsReadWholeAndATooLargeOneIsMarkedUnknown() {
        UsageMeter m = new UsageMeter("application/json");
        feedInPieces(m, "{\"content\":[{\"text\":\"€\"}],\"usage\":{\"input_tokens\":5,\"output_tokens\":7}}".getBytes(StandardCharsets.UTF_8), 3);
        assertThat(m.input()).isEqualTo(5);
        assertThat(m.output()).isEqualTo(7);
        assertThat(m.truncated()).isFalse();

        UsageMeter big = new UsageMeter("application/json");
        String filler = "x".repeat(2 << 20);
        feedInPieces(big, ("{\"content\":\"" + filler + "\",\"usage\":{\"output_tokens\":9}}").getBytes(StandardCharsets.UTF_8), 8192);
        assertThat(big.truncated()).isTrue();
        assertThat(big.output()).isZero();
    }
}
