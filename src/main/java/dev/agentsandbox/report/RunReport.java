package dev.agentsandbox.report;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.Outcome;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.gate.GateResult;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the reports show about one run. All of it is already redacted, and all of it is
 * untrusted text (file names, patch lines, messages): every writer escapes for its format.
 *
 * @param runId run id
 * @param repository the repository's name
 * @param baseBranch base branch (may be null)
 * @param baseCommit base commit
 * @param featureBranch feature branch (null when nothing was committed)
 * @param headCommit head commit (null when nothing was committed)
 * @param verdict pass, warn, fail
 * @param gates every gate's result
 * @param change the change
 * @param patch the unified patch (redacted), possibly empty
 * @param dependencies the dependency delta
 * @param sandbox the agent sandbox's configuration (ordered)
 */
public record RunReport(String runId, String repository, String baseBranch, String baseCommit, String featureBranch, String headCommit,
                        Outcome verdict, List<GateResult> gates, ChangeSet change, String patch, List<DependencyRow> dependencies,
                        Map<String, Object> sandbox, String task, dev.agentsandbox.bundle.RunRecord.Trigger trigger) {
    public RunReport(String runId, String repository, String baseBranch, String baseCommit, String featureBranch, String headCommit,
                     Outcome verdict, List<GateResult> gates, ChangeSet change, String patch, List<DependencyRow> dependencies,
                     Map<String, Object> sandbox, String task) {
        this(runId, repository, baseBranch, baseCommit, featureBranch, headCommit, verdict, gates, change, patch, dependencies, sandbox, task, null);
    }

    /** One line of the dependency delta. */
    public record DependencyRow(String kind, String ecosystem, String name, String oldVersion, String newVersion, String manifest) {
        /** The rows the dependency gate left in its details ({@code delta}). */
        public static List<DependencyRow> of(List<GateResult> gates) {
            return gates.stream().filter(g -> g.details() instanceof GateDetails.Dependencies d && d.delta() != null)
                    .flatMap(g -> ((GateDetails.Dependencies) g.details()).delta().stream())
                    .map(m -> new DependencyRow(text(m.get("kind")), text(m.get("ecosystem")), text(m.get("name")), text(m.get("before")),
                            text(m.get("after")), text(m.get("manifest")))).toList();
        }

        private static String text(Object o) {
            return o == null ? null : o.toString();
        }
    }

    public RunReport {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(verdict, "verdict");
        gates = List.copyOf(gates);
        dependencies = List.copyOf(dependencies);
        patch = patch == null ? "" : patch;
        task = task == null ? "" : task;
    }

    public RunReport(String runId, String repository, String baseBranch, String baseCommit, String featureBranch, String headCommit,
                     Outcome verdict, List<GateResult> gates, ChangeSet change, String patch, List<DependencyRow> dependencies,
                     Map<String, Object> sandbox) {
        this(runId, repository, baseBranch, baseCommit, featureBranch, headCommit, verdict, gates, change, patch, dependencies, sandbox, "");
    }
}
