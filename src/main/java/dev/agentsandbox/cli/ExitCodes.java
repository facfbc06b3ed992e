package dev.agentsandbox.cli;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;

/** The exit codes of every command, in one place (the README documents them). */
public final class ExitCodes {
    /** Done; for `run`: the gates passed (maybe with warnings) and the change awaits approval. */
    public static final int OK = 0;
    /** `run`: a gate failed or the change was refused; the feature branch holds nothing to merge. */
    public static final int GATES_FAILED = 1;
    /** Bad options or an invalid configuration file. */
    public static final int USAGE = 2;
    /** The host could not do it: Docker, the runtime, an image, the disk. */
    public static final int INFRASTRUCTURE = 3;
    /** Refused: merge without approval, a moved branch, a bundle that does not verify. */
    public static final int REFUSED = 4;
    /** `run`: the agent changed nothing; nothing is committed and nothing awaits approval. */
    public static final int NO_CHANGE = 5;

    private ExitCodes() {
    }

    static int of(AgentSandboxException e) {
        if (e instanceof UsageException) {
            return USAGE;
        }
        if (e instanceof InfrastructureException) {
            return INFRASTRUCTURE;
        }
        if (e instanceof RefusedException) {
            return REFUSED;
        }
        return INFRASTRUCTURE;
    }
}
