package dev.agentsandbox.gate;

import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.Tree;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a gate may look at.
 *
 * @param change the collected change (already refused if it held symlinks out, devices, ...)
 * @param base the base commit's tree
 * @param head the tree after the agent's change
 * @param checkTrees fresh views of the head tree, for gates that run commands on it (null without such gates)
 * @param reportDirectory where a gate may leave files (JUnit XML of the user's tests, ...)
 */
public record GateContext(ChangeSet change, Tree base, Tree head, CheckTrees checkTrees, Path reportDirectory) {
    public GateContext {
        Objects.requireNonNull(change, "change");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(head, "head");
    }
}
