package dev.agentsandbox.run;

import dev.agentsandbox.bundle.Outcome;
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
 * @param verdict how it ended
 * @param gates every gate's result
 */
public record RunResult(String runId, Path bundle, String featureBranch, String headCommit, Outcome verdict, List<GateResult> gates) {
    public RunResult {
        gates = List.copyOf(gates);
    }

    public boolean passed() {
        return exitCode() == dev.agentsandbox.error.ExitCode.OK;
    }

    /** The exit code `run` ends with for this outcome. */
    public dev.agentsandbox.error.ExitCode exitCode() {
        return verdict.exitCode();
    }

    public boolean noChange() {
        return verdict == Outcome.NO_CHANGE;
    }
}
