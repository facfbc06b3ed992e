package dev.agentsandbox.sandbox;

import dev.agentsandbox.error.AgentSandboxException;

/**
 * Runs one command in one ephemeral sandbox. The Docker Engine is the first backend; a Kubernetes
 * one (a Pod with runtimeClassName gvisor) fits the same shape. Implementations always remove
 * what they created, whatever happens, and refuse a tier they cannot give.
 */
public interface SandboxBackend extends AutoCloseable {
    SandboxResult run(SandboxSpec spec, OutputListener output) throws AgentSandboxException;

    /** Which backend this is, as sandbox.backend and --backend name it. */
    default String kind() {
        return "docker";
    }

    /** Records the programs the sandboxes run from now on, where the backend can (its files under {@code dir}). */
    default void traceProcesses(java.nio.file.Path dir) {
    }

    /** Calls {@code onExec} with each program as it starts, from now on (null: no one); for policies that act at once. */
    default void onExec(java.util.function.Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec) {
    }

    /** Kills the running sandboxes of a run (a limit outside the sandbox was hit); their run() returns. */
    void stop(String runId) throws AgentSandboxException;

    /** Removes sandboxes that a dead process left behind; returns how many were removed. */
    int cleanup(boolean all) throws AgentSandboxException;

    @Override
    void close();
}
