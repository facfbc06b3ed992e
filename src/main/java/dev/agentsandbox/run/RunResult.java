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
 * @param verdict pass, warn, fail, or no-change (the agent changed nothing: there is nothing to review)
 * @param gates every gate's result
 */
public record RunResult(String runId, Path bundle, String featureBranch, String headCommit, String verdict, List<GateResult> gates) {
    /** The outcome of a run whose agent changed nothing. */
    public static final String NO_CHANGE = dev.agentsandbox.bundle.RunRecorder.NO_CHANGE;

    public RunResult {
        gates = List.copyOf(gates);
    }

    public boolean passed() {
        return exitCode() == dev.agentsandbox.error.ExitCode.OK;
    }

    /** The exit code `run` ends with for this outcome. */
    public dev.agentsandbox.error.ExitCode exitCode() {
        return dev.agentsandbox.error.ExitCode.ofOutcome(verdict);
    }

    public boolean noChange() {
        return verdict.equals(NO_CHANGE);
    }
}
