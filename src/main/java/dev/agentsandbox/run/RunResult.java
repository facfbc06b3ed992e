package dev.agentsandbox.run;

import dev.agentsandbox.gate.GateResult;
import java.nio.file.Path;
import java.util.List;

/**
 * How a run ended.
 *
 * @param runId the run id
 * @param bundle the run bundle folder
 * @param featureBranch the feature branch (exists only when a commit was made)
 * @param headCommit the commit on the feature branch, or null when nothing was committed
 * @param verdict pass, warn or fail
 * @param gates every gate's result
 */
public record RunResult(String runId, Path bundle, String featureBranch, String headCommit, String verdict, List<GateResult> gates) {
    public RunResult {
        gates = List.copyOf(gates);
    }

    public boolean passed() {
        return !verdict.equals("fail");
    }
}
