package dev.agentsandbox.error;

/**
 * The host cannot do what was asked: no Docker daemon, a runtime that is not registered, an image
 * that does not exist, a disk that is full. Never a reason to fall back to weaker isolation.
 */
public non-sealed class InfrastructureException extends AgentSandboxException {
    @Override
    public ExitCode exitCode() {
        return ExitCode.INFRASTRUCTURE;
    }

    public InfrastructureException(String message) {
        super(message);
    }

    public InfrastructureException(String message, Throwable cause) {
        super(message, cause);
    }
}
