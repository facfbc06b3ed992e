package dev.agentsandbox.gate;

import dev.agentsandbox.error.AgentSandboxException;

/** One check of the agent's change. Gates do not change the repository or the workspace. */
public interface Gate {
    /** Short stable name used in reports: "policy", "secrets", "dependencies", "lint", "tests". */
    String name();

    GateResult evaluate(GateContext context) throws AgentSandboxException;
}
