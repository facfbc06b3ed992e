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
