package dev.agentsandbox.run.collect;

import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.workspace.Collected;
import java.util.Objects;

/**
 * What the collect stage read back and committed.
 *
 * @param collected the change, or the refusals that stopped it
 * @param head the feature branch's new commit, or null when nothing was committed
 * @param gate the collect gate's result (refusals as findings); null in plan mode, where nothing is committed
 */
public record CollectOutcome(Collected collected, String head, GateResult gate) {
    public CollectOutcome {
        Objects.requireNonNull(collected, "collected");
    }

    public boolean committed() {
        return head != null;
    }
}
