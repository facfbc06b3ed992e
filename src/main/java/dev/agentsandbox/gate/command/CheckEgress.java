package dev.agentsandbox.gate.command;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.sandbox.Mount;
import java.util.List;
import java.util.Map;

/**
 * The one way out of a check's sandbox, when its configuration asks for one: the package
 * registries of {@code proxy.registries}, through the proxy, as the agent reaches them. Opened for
 * one check's sandbox and closed after it.
 */
@FunctionalInterface
public interface CheckEgress {
    Route open(String check) throws AgentSandboxException;

    /** What the check's sandbox gets: its command behind the bridge, the proxy's variables, the proxy's folder. */
    interface Route extends AutoCloseable {
        List<String> command(List<String> command);

        Map<String, String> env();

        List<Mount> mounts();

        @Override
        void close();
    }
}
