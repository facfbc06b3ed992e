package dev.agentsandbox.testing;

import dev.agentsandbox.config.SandboxConfig;
import dev.agentsandbox.config.SandboxConfig;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What integration tests share: the locally built image and small spec factories. */
public final class TestHost {
    /** Built by scripts/setup-host.sh (debootstrap + docker import): Debian minbase, git, python3, socat. */
    public static final String IMAGE = System.getenv().getOrDefault("AGENT_SANDBOX_TEST_IMAGE", "agent-sandbox/test-base:bookworm");
    /** The test image with a JDK, Maven, Node and npm (and CA certificates), for checks that build real projects. */
    public static final String BUILD_IMAGE = "agent-sandbox/test-build:bookworm";
    /** PostgreSQL, Redis and their Python clients (scripts/setup-host.sh builds it): for checks with services. */
    public static final String SERVICES_IMAGE = "agent-sandbox/test-services:bookworm";

    private TestHost() {
    }

    public static Limits limits(Duration timeout) {
        return new Limits(1.0, 256L << 20, SandboxConfig.DEFAULT.pids(), 16L << 20, timeout, 1L << 20);
    }

    public static SandboxSpec gvisor(String purpose, String script, Duration timeout, Mount... mounts) {
        return spec(purpose, Tier.GVISOR, "runsc", List.of("sh", "-c", script), limits(timeout), mounts);
    }

    public static SandboxSpec spec(String purpose, Tier tier, String runtime, List<String> command, Limits limits, Mount... mounts) {
        return new SandboxSpec("it-" + Long.toHexString(System.nanoTime()), purpose, IMAGE, command, "/workspace",
                Map.of("HOME", "/tmp"), List.of(mounts), tier, runtime, limits, null);
    }

    public static SandboxConfig defaults() {
        return SandboxConfig.DEFAULT;
    }
}
