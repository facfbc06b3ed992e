package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tool calls read from each API's answers, streamed and whole, as they pass through the proxy's meter. */
class ToolCallsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static List<ToolCalls.ToolCall> stream(String... events) {
        UsageMeter m = new UsageMeter("text/event-stream");
        for (String e : events) {
            byte[] b = ("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8);
            m.accept(b, b.length);
        }
        m.finish();
        return m.toolCalls();
    }

    static List<ToolCalls.ToolCall> whole(String body) {
        UsageMeter m = new UsageMeter("application/json");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        m.accept(b, b.length);
        m.finish();
        return m.toolCalls();
    }

    @Test
    void anthropicStreamedToolUseIsAssembledFromItsDeltas() {
        List<ToolCalls.ToolCall> calls = stream(
                "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{}}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"command\\\": \\\"git \"}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"--version\\\"}\"}}",
                "{\"type\":\"content_block_stop\",\"index\":1}");
        assertThat(calls).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("toolu_1");
            assertThat(c.name()).isEqualTo("Bash");
            assertThat(c.preview()).isEqualTo("{\"command\": \"git --version\"}");
            assertThat(c.inputSha256()).hasSize(64);
        });
    }

    @Test
    void anthropicWholeAndOpenAiChatAndResponsesCallsAreRead() {
        assertThat(whole("{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
                + "{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"Write\",\"input\":{\"file_path\":\"/w/a\"}}]}"))
                .extracting(ToolCalls.ToolCall::name).containsExactly("Write");
        assertThat(whole("{\"object\":\"chat.completion\",\"choices\":[{\"message\":{\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}"))
                .extracting(ToolCalls.ToolCall::name, ToolCalls.ToolCall::preview).containsExactly(org.assertj.core.groups.Tuple.tuple("shell", "{\"cmd\":\"ls\"}"));
        assertThat(stream("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c9\",\"function\":{\"name\":\"edit\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}",
                "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]}}]}",
                "{\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"))
                .extracting(ToolCalls.ToolCall::id, ToolCalls.ToolCall::preview).containsExactly(org.assertj.core.groups.Tuple.tuple("c9", "{\"a\":1}"));
        assertThat(stream("{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"function_call\",\"call_id\":\"call_1\","
                + "\"name\":\"exec_command\",\"arguments\":\"{\\\"cmd\\\":\\\"git --version\\\"}\"}}",
                "{\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":\"custom_tool_call\",\"call_id\":\"call_2\","
                + "\"name\":\"apply_patch\",\"input\":\"*** Begin Patch\"}}"))
                .extracting(ToolCalls.ToolCall::name).containsExactly("exec_command", "apply_patch");
        assertThat(whole("{\"object\":\"response\",\"output\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"shell\",\"arguments\":\"{}\"}]}"))
                .extracting(ToolCalls.ToolCall::name).containsExactly("shell");
    }

    @Test
    void aHugeInputIsBoundedAndTheNumberOfCallsToo() {
        String big = "x".repeat(3 << 20);
        List<ToolCalls.ToolCall> calls = whole("{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"W\",\"input\":{\"c\":\"" + big + "\"}}]}");
        // a body over the meter's bound is not read at all (its usage is unknown, and so are its calls)
        assertThat(calls).isEmpty();
        StringBuilder many = new StringBuilder("{\"type\":\"message\",\"content\":[");
        for (int i = 0; i < 300; i++) {
            many.append(i == 0 ? "" : ",").append("{\"type\":\"tool_use\",\"id\":\"t").append(i).append("\",\"name\":\"W\",\"input\":{\"p\":\"")
                    .append("y".repeat(300)).append("\"}}");
        }
        List<ToolCalls.ToolCall> capped = whole(many.append("]}").toString());
        assertThat(capped).hasSize(ToolCalls.MAX_CALLS);
        assertThat(capped.get(0).preview()).hasSize(ToolCalls.PREVIEW + 1).endsWith("…");
    }
}
