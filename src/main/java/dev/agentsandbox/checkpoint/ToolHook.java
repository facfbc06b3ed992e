package dev.agentsandbox.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;

/**
 * A coding agent's own pre-tool hook, posted as the agent wrote it (Claude Code's PreToolUse event:
 * {@code tool_name}, {@code tool_input.command}). Which commands need a person is decided here, on
 * the host, so the hook in the image can be a few lines of shell that only relays: nothing in it
 * can fail in a way that lets the command run.
 */
final class ToolHook {
    /** Shell commands that need a person's answer first. */
    static final Pattern DANGER = Pattern.compile("\\b(rm\\s+-[a-z]*r[a-z]*f|rm\\s+-[a-z]*f[a-z]*r|git\\s+push|curl|wget|nc|ncat|ssh|scp|"
            + "chmod\\s+(-R\\s+)?777|dd\\s+if=|mkfs|shred|DROP\\s+(TABLE|DATABASE)|terraform\\s+(apply|destroy)|kubectl\\s+(apply|delete)|"
            + "npm\\s+publish|pip\\s+install|npm\\s+install)\\b", Pattern.CASE_INSENSITIVE);

    private ToolHook() {
    }

    /** Whether this body is a tool hook's event rather than a checkpoint question. */
    static boolean is(JsonNode req) {
        return req.isObject() && !req.has("action") && req.path("tool_name").isTextual();
    }

    /**
     * The checkpoint question this event asks, or null when the tool may run without one (not a
     * shell command, or not a dangerous one).
     */
    static ObjectNode question(JsonNode event) {
        if (!event.path("tool_name").asText().equals("Bash")) {
            return null;
        }
        String command = event.path("tool_input").path("command").asText("");
        // any character class of invisible or look-alike spacing is spacing to a shell reader too
        String plain = command.replaceAll("[\\p{Z}\\p{Cf}\\t]+", " ");
        if (!DANGER.matcher(plain).find()) {
            return null;
        }
        ObjectNode q = JsonNodeFactory.instance.objectNode();
        q.put("action", command);
        q.put("risk", "high");
        q.put("detail", "Claude Code wants to run this shell command: " + event.path("tool_input").path("description").asText(""));
        return q;
    }
}
