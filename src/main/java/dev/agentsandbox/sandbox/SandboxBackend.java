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

    /**
     * The runtime a check's services run under, with the check's tier; refused with the fix where
     * this backend or host cannot give it (a service never runs with less isolation than its check).
     */
    String servicesRuntime(dev.agentsandbox.config.Tier tier, String runtime) throws AgentSandboxException;

    /** What a local image runs when no command is given: its entrypoint, then its command (empty: neither); fails if there is no such image. */
    java.util.List<String> imageCommand(String image) throws AgentSandboxException;

    /** The refusal of a backend that cannot run services. */
    static dev.agentsandbox.error.InfrastructureException noServices(String kind) {
        return new dev.agentsandbox.error.InfrastructureException("checks.*.services run on the docker backend only: the " + kind
                + " backend has no sandbox-to-sandbox sockets yet; run on the docker backend or drop the check's services");
    }

    /** Kills the running sandboxes of a run (a limit outside the sandbox was hit); their run() returns. */
    void stop(String runId) throws AgentSandboxException;

    /** Removes sandboxes that a dead process left behind; returns how many were removed. */
    int cleanup(boolean all) throws AgentSandboxException;

    @Override
    void close();
}
