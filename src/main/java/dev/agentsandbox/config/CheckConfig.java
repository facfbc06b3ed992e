package dev.agentsandbox.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A user command run on the head tree in a fresh sandbox (lint, tests).
 *
 * @param name gate name ("lint", "tests", ...)
 * @param command argv
 * @param image image to run it in (null: the agent's image)
 * @param timeout wall-clock limit (null: the sandbox default)
 * @param junit glob, relative to the workspace, of JUnit XML files the command writes (may be null)
 * @param registries whether the check reaches the package registries of proxy.registries (through the proxy, as the agent does)
 * @param services the services it needs, each in a sandbox of its own (empty: none)
 */
public record CheckConfig(String name, List<String> command, String image, Duration timeout, String junit, boolean registries,
                          List<ServiceConfig> services) {
    public CheckConfig(String name, List<String> command, String image, Duration timeout, String junit) {
        this(name, command, image, timeout, junit, false);
    }

    public CheckConfig(String name, List<String> command, String image, Duration timeout, String junit, boolean registries) {
        this(name, command, image, timeout, junit, registries, List.of());
    }

    public CheckConfig {
        Objects.requireNonNull(name, "name");
        command = command == null ? List.of() : List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("check '" + name + "' needs a command");
        }
        services = services == null ? List.of() : List.copyOf(services);
        if (services.stream().map(ServiceConfig::name).distinct().count() != services.size()) {
            throw new IllegalArgumentException("check '" + name + "' names a service twice");
        }
    }
}
