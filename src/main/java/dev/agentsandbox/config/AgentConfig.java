package dev.agentsandbox.config;

import java.util.List;

/**
 * The agent: its image, its command, and the identity its commits carry.
 *
 * @param image container image (local; nothing is pulled)
 * @param command argv run in /workspace; the task arrives as $AGENT_TASK and /workspace/../task file
 * @param name author name of the agent's commit
 * @param email author email of the agent's commit
 */
public record AgentConfig(String image, List<String> command, String name, String email) {
    public static final AgentConfig DEFAULT = new AgentConfig(null, null, null, null);

    public AgentConfig {
        command = command == null ? List.of() : List.copyOf(command);
        name = name == null ? "agent-sandbox agent" : name;
        email = email == null ? "agent@agent-sandbox.invalid" : email;
    }
}
