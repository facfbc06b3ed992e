package dev.agentsandbox.error;

/** Bad input from the user: a missing option, a file that does not exist, a value out of range. */
public sealed class UsageException extends AgentSandboxException permits ConfigException {
    @Override
    public ExitCode exitCode() {
        return ExitCode.USAGE;
    }

    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
