package dev.agentsandbox.gate;

import dev.agentsandbox.error.AgentSandboxException;

/** One check of the agent's change. Gates do not change the repository or the workspace. */
public interface Gate {
    /** Short stable name used in reports: "policy", "secrets", "dependencies", "lint", "tests". */
    String name();

    GateResult evaluate(GateContext context) throws AgentSandboxException;

    /**
     * Whether this gate's findings are credentials in the change: then the patch travels redacted
     * and the commit does not leave in the bundle.
     */
    default boolean findsCredentials() {
        return false;
    }
}
