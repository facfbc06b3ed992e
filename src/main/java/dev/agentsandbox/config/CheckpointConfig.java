package dev.agentsandbox.config;

import java.time.Duration;

/**
 * Checkpoints: the agent may stop and ask a person before a dangerous action
 * ({@code POST $AGENT_SANDBOX_URL/v1/checkpoints}). Needs {@code sh} and {@code socat} or {@code python3}
 * in the agent's image (the bridge to the host).
 *
 * @param enabled whether the sandbox gets the checkpoint API (default false)
 * @param timeout how long a checkpoint waits for an answer before it is rejected (default 10m)
 */
public record CheckpointConfig(Boolean enabled, Duration timeout) {
    public static final CheckpointConfig DEFAULT = new CheckpointConfig(null, null);

    public CheckpointConfig {
        enabled = enabled != null && enabled;
        timeout = timeout == null ? Duration.ofMinutes(10) : timeout;
    }
}
