package dev.agentsandbox.error;

/** Bad input from the user: a missing option, a file that does not exist, a value out of range. */
public class UsageException extends AgentSandboxException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
