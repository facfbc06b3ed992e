package dev.agentsandbox.gate.policy;

import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.PathGlob;
import dev.agentsandbox.config.PolicyConfig;
import dev.agentsandbox.gate.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.gate.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the agent may change at all. Above all it may not change the pipeline that gates it
 * (CI configuration, CODEOWNERS, this tool's configuration): such a change fails whatever else
 * it does.
 */
public final class PolicyGate implements Gate {
    public static final String NAME = "policy";
    private static final int SYMLINK = 0120000;
    private static final int EXECUTABLE = 0100755;

    private final PolicyConfig config;
    private final List<PathGlob> protectedPaths;

    public PolicyGate(PolicyConfig config) {
        this.config = config;
        this.protectedPaths = PathGlob.all(config.protectedPaths());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public GateResult evaluate(GateContext context) {
        long t0 = System.nanoTime();
        List<Finding> findings = check(context.change());
        return GateResult.of(NAME, findings, Duration.ofNanos(System.nanoTime() - t0),
                Map.of("files", context.change().files().size(),
                        "linesAdded", context.change().addedLineCount(),
                        "linesRemoved", context.change().removedLineCount()));
    }

    List<Finding> check(ChangeSet change) {
        List<Finding> out = new ArrayList<>();
        if (change.isEmpty()) {
            out.add(Finding.of(NAME, "empty-change", Verdict.WARN, "the agent changed nothing: there is nothing to review"));
        }
        for (FileChange f : change.files()) {
            for (PathGlob g : protectedPaths) {
                if (g.matches(f.path())) {
                    out.add(Finding.at(NAME, "protected-path", Verdict.FAIL, "the change " + verb(f) + " " + f.path()
                            + ", a protected path (" + g.pattern() + "): the agent may not change the pipeline that checks it", f.path(), 0));
                    break;
                }
            }
            if (f.binary() && f.kind() != FileChange.Kind.DELETED && !config.allowBinary()) {
                out.add(Finding.at(NAME, "binary-file", Verdict.FAIL, "binary file " + f.path()
                        + " cannot be reviewed as a diff (policy.allow-binary is false)", f.path(), 0));
            }
            if (f.modeChanged() && !config.allowModeChanges()) {
                out.add(Finding.at(NAME, "mode-change", Verdict.FAIL, String.format("the mode of %s changed from %o to %o"
                        + " (policy.allow-mode-changes is false)", f.path(), f.oldMode(), f.newMode()), f.path(), 0));
            }
            if (f.kind() == FileChange.Kind.ADDED && f.newMode() == EXECUTABLE) {
                out.add(Finding.at(NAME, "new-executable", Verdict.WARN, "new executable file " + f.path(), f.path(), 0));
            }
            if (f.kind() != FileChange.Kind.DELETED && f.newMode() == SYMLINK) {
                out.add(Finding.at(NAME, "symlink", Verdict.WARN, f.path() + " is a symbolic link (it stays inside the repository)", f.path(), 0));
            }
        }
        if (change.files().size() > config.maxFiles()) {
            out.add(Finding.of(NAME, "too-many-files", Verdict.FAIL, "the change touches " + change.files().size()
                    + " files; policy.max-files allows " + config.maxFiles()));
        }
        int lines = change.addedLineCount() + change.removedLineCount();
        if (lines > config.maxLines()) {
            out.add(Finding.of(NAME, "too-many-lines", Verdict.FAIL, "the change has " + lines
                    + " changed lines; policy.max-lines allows " + config.maxLines()));
        }
        return out;
    }

    private static String verb(FileChange f) {
        return switch (f.kind()) {
            case ADDED -> "adds";
            case MODIFIED -> "modifies";
            case DELETED -> "deletes";
        };
    }
}
