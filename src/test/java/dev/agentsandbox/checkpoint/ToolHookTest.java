package dev.agentsandbox.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ToolHookTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static com.fasterxml.jackson.databind.JsonNode bash(String command) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(java.util.Map.of("hook_event_name", "PreToolUse", "tool_name", "Bash",
                "tool_input", java.util.Map.of("command", command))));
    }

    @Test
    void dangerousCommandsAskAPersonWhateverTheSpacing() throws Exception {
        for (String c : new String[] {"rm -rf /", "rm\u00a0-fr x", "cd x && GIT_TRACE=1 git\u2003push", "curl http://x", "npm  install left-pad",
                "RM -RF x", "rm\u200b -rf x"}) {
            assertThat(ToolHook.is(bash(c))).isTrue();
            assertThat(ToolHook.question(bash(c))).as(c).isNotNull();
        }
    }

    @Test
    void otherToolsAndSafeCommandsRunWithoutAQuestion() throws Exception {
        assertThat(ToolHook.question(bash("ls -la && python3 -m pytest"))).isNull();
        assertThat(ToolHook.question(JSON.readTree("{\"tool_name\":\"Write\",\"tool_input\":{\"command\":\"rm -rf /\"}}"))).isNull();
        assertThat(ToolHook.is(JSON.readTree("{\"action\":\"x\",\"tool_name\":\"Bash\"}"))).as("a checkpoint question stays one").isFalse();
    }
}
