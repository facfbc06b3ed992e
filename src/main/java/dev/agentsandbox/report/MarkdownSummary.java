package dev.agentsandbox.report;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.Outcome;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import java.util.List;
import java.util.Locale;

/** summary.md: the job summary (GitHub) and merge-request note (GitLab). Every cell is escaped. */
public final class MarkdownSummary {
    static final int MAX_FINDINGS = 50;
    static final int MAX_FILES = 100;

    private MarkdownSummary() {
    }

    public static String render(RunReport r) {
        StringBuilder md = new StringBuilder();
        md.append("## agent-sandbox: ").append(headline(r.verdict())).append("\n\n");
        md.append("Run `").append(code(r.runId())).append("` on `").append(code(String.valueOf(r.baseBranch()))).append("` @ `")
                .append(shortSha(r.baseCommit())).append('`');
        if (r.headCommit() != null) {
            md.append(" → `").append(code(r.featureBranch())).append("` @ `").append(shortSha(r.headCommit())).append('`');
        } else {
            md.append(" — nothing was committed");
        }
        for (GateResult g : r.gates()) {
            if (g.details() instanceof GateDetails.Risk risk) {
                md.append("\n\n**Risk tier: ").append(cell(risk.tier())).append("**");
                if (!risk.reasons().isEmpty()) {
                    md.append(" — ").append(cell(String.join("; ", risk.reasons().stream().limit(5).toList())));
                }
            }
        }
        md.append("\n\n| gate | verdict | findings | time |\n|---|---|---|---|\n");
        for (GateResult g : r.gates()) {
            md.append("| ").append(cell(g.gate())).append(" | ").append(g.verdict().id().toUpperCase(Locale.ROOT)).append(" | ")
                    .append(g.findings().size()).append(" | ").append(g.duration().toMillis()).append(" ms |\n");
        }
        List<Finding> all = r.gates().stream().flatMap(g -> g.findings().stream()).toList();
        if (!all.isEmpty()) {
            md.append("\n### Findings\n\n| level | gate | rule | where | message |\n|---|---|---|---|---|\n");
            all.stream().limit(MAX_FINDINGS).forEach(f -> md.append("| ").append(f.level().id()).append(" | ").append(cell(f.gate()))
                    .append(" | ").append(cell(f.rule())).append(" | ").append(f.path() == null ? "" : cell(f.path() + (f.line() > 0 ? ":" + f.line() : "")))
                    .append(" | ").append(cell(f.message())).append(" |\n"));
            if (all.size() > MAX_FINDINGS) {
                md.append("\n…and ").append(all.size() - MAX_FINDINGS).append(" more in the SARIF report.\n");
            }
        }
        if (!r.change().isEmpty()) {
            md.append("\n### Changed files\n\n| file | change | + | − |\n|---|---|---|---|\n");
            r.change().files().stream().limit(MAX_FILES).forEach(f -> md.append("| ").append(cell(f.path())).append(" | ")
                    .append(f.kind().name().toLowerCase(Locale.ROOT)).append(f.binary() ? " (binary, " + f.newSize() + " bytes: not shown as text)" : "").append(" | ")
                    .append(f.addedLines().size()).append(" | ").append(f.removedLineCount()).append(" |\n"));
            if (r.change().files().size() > MAX_FILES) {
                md.append("\n…and ").append(r.change().files().size() - MAX_FILES).append(" more files.\n");
            }
        }
        if (!r.dependencies().isEmpty()) {
            md.append("\n### Dependency delta\n\n| change | ecosystem | package | from | to |\n|---|---|---|---|---|\n");
            for (RunReport.DependencyRow d : r.dependencies()) {
                md.append("| ").append(cell(d.kind())).append(" | ").append(cell(d.ecosystem())).append(" | ").append(cell(d.name()))
                        .append(" | ").append(cell(String.valueOf(d.oldVersion()))).append(" | ").append(cell(String.valueOf(d.newVersion()))).append(" |\n");
            }
        }
        md.append("\nSandbox: ").append(cell(String.valueOf(r.sandbox().getOrDefault("runtime", "?")))).append(", image `")
                .append(code(String.valueOf(r.sandbox().getOrDefault("image", "?")))).append("`, network `")
                .append(code(String.valueOf(r.sandbox().getOrDefault("networkMode", "none")))).append("`.\n");
        if (r.verdict() != Outcome.FAIL && r.headCommit() != null) {
            md.append("\nThe change awaits approval: review `reports/review.html`, then approve or reject.\n");
        }
        return md.toString();
    }

    static String headline(Outcome verdict) {
        return switch (verdict) {
            case PASS -> "gates passed — awaiting approval";
            case WARN -> "gates passed with warnings — awaiting approval";
            case FAIL -> "gates FAILED";
            case NO_CHANGE -> "the agent changed nothing — nothing to review";
            case PLAN, ERROR, RUNNING -> verdict.id();
        };
    }

    /** Escapes a table cell: pipes, line breaks, and the characters Markdown would interpret. */
    static String cell(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : dev.agentsandbox.console.SafeText.line(s).toCharArray()) {
            switch (c) {
                case '|' -> sb.append("\\|");
                case '\n', '\r' -> sb.append(' ');
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '`', '*', '_', '[', ']', '\\', '#', '!' -> sb.append('\\').append(c);
                default -> sb.append(c < 0x20 ? ' ' : c);
            }
        }
        return sb.toString();
    }

    private static String code(String s) {
        return dev.agentsandbox.console.SafeText.line(s).replace('`', '\'');
    }

    static String shortSha(String sha) {
        return sha == null ? "" : sha.substring(0, Math.min(12, sha.length()));
    }
}
