package dev.agentsandbox.workspace;

import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.verdict.Finding;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;

/**
 * What the collector found: the change, or the reasons it will not be committed.
 *
 * @param change the change (empty when refused)
 * @param refusals reasons to commit nothing; empty when the change may be committed
 * @param headFiles for every added or modified path, the workspace file holding its new content
 */
public record Collected(ChangeSet change, List<Finding> refusals, Map<String, Path> headFiles) {
    public static final String GATE = "collect";

    public Collected {
        refusals = List.copyOf(refusals);
        headFiles = Map.copyOf(headFiles);
    }

    public boolean refused() {
        return !refusals.isEmpty();
    }
}
