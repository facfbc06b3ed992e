package dev.agentsandbox.gate;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.sandbox.Mount;
import java.nio.file.Path;

/**
 * Where gates that run commands (lint, tests) get the committed head tree: a fresh writable view
 * for each check, so that no check sees what another wrote, and none sees what the agent left.
 */
public interface CheckTrees {
    /** A new view of the head tree for one check, to be mounted at {@code containerPath}. */
    Mount fresh(String check, String containerPath) throws AgentSandboxException;

    /**
     * The host folder holding what that check wrote: for a copy-on-write view only its writes, for
     * a private copy the whole copy.
     */
    Path written(String check);

    /** Whether that check ran into its disk quota (sandbox.disk). */
    default boolean overQuota(String check) {
        return false;
    }

    /** That check's disk quota in words ("4 GiB"). */
    default String quota(String check) {
        return "unbounded";
    }
}
