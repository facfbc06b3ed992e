package dev.agentsandbox.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A service a check needs (a database, a cache): its own sandbox with the check's tier and
 * hardening, reachable from that check only, by its name and ports, through sockets the two
 * sandboxes share; neither has a network.
 *
 * @param name the host name the check reaches it by
 * @param image local image reference
 * @param command argv (null: the image's entrypoint and command)
 * @param env the service's variables, as written
 * @param hostEnv the service's variables whose values come from host variables (name in the service: host variable)
 * @param ports the TCP ports it serves (1..65535), each reachable from the check at name:port
 * @param health a command run in the service's sandbox that exits 0 once it is ready (null: its ports listening is enough)
 * @param healthTimeout how long it may take to become ready
 * @param cpus CPU limit (null: the sandbox's)
 * @param memoryBytes memory limit (null: the sandbox's)
 */
public record ServiceConfig(String name, String image, List<String> command, Map<String, String> env, Map<String, String> hostEnv,
                            List<Integer> ports, List<String> health, Duration healthTimeout, Double cpus, Long memoryBytes) {
    /** Names a check reaches services by: a DNS label that is not the sandbox's own. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}[a-z0-9]|[a-z]");
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(60);
    /** At most this many services per check: each is a sandbox of its own. */
    public static final int MAX_PER_CHECK = 8;

    public ServiceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        if (!NAME.matcher(name).matches() || name.equals("localhost")) {
            throw new IllegalArgumentException("service name '" + name + "' must be a host name of lower-case letters, digits and dashes, not localhost");
        }
        command = command == null ? null : List.copyOf(command);
        env = env == null ? Map.of() : Map.copyOf(env);
        hostEnv = hostEnv == null ? Map.of() : Map.copyOf(hostEnv);
        ports = List.copyOf(ports);
        if (ports.isEmpty() || ports.stream().anyMatch(p -> p < 1 || p > 65535) || ports.stream().distinct().count() != ports.size()) {
            throw new IllegalArgumentException("service '" + name + "' needs ports: distinct TCP ports from 1 to 65535");
        }
        health = health == null ? null : List.copyOf(health);
        healthTimeout = healthTimeout == null ? DEFAULT_HEALTH_TIMEOUT : healthTimeout;
    }
}
