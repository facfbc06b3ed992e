package dev.agentsandbox.error;

/**
 * Root of the checked failures the core reports. Each subclass says which party must act
 * (the user, the operator of the host, the reviewer); the CLI maps them to exit codes in one place.
 * Messages say what failed and what to do, and never carry a secret value.
 */
public abstract sealed class AgentSandboxException extends Exception permits UsageException, InfrastructureException, RefusedException {
    protected AgentSandboxException(String message) {
        super(message);
    }

    protected AgentSandboxException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The exit code this failure ends a command with. */
    public abstract ExitCode exitCode();
}
