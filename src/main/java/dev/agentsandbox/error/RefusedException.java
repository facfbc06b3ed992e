package dev.agentsandbox.error;

/**
 * The tool refused to act on a state it cannot trust: a merge without approval, a branch head that
 * moved after approval, a bundle that does not verify, a change the collector will not commit.
 */
public final class RefusedException extends AgentSandboxException {
    @Override
    public ExitCode exitCode() {
        return ExitCode.REFUSED;
    }

    public RefusedException(String message) {
        super(message);
    }
}
