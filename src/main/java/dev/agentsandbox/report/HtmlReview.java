package dev.agentsandbox.report;

import dev.agentsandbox.gate.TaskText;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.Outcome;
import static org.apache.commons.text.StringEscapeUtils.escapeHtml4;

import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * review.html: one page for the reviewer (diff, gates, dependency delta, sandbox), styled by
 * review.css beside it and by nothing inline, so that it renders under Jenkins' default
 * Content-Security-Policy for archived files ({@code style-src 'self'}). No script, nothing from
 * elsewhere (its own CSP forbids both); every text from the run is escaped.
 */
public final class HtmlReview {
    static final int MAX_PATCH_CHARS = 2 * 1024 * 1024;
    /** The stylesheet's file name, in the same folder as the page. */
    public static final String STYLESHEET = "review.css";

    private HtmlReview() {
    }

    public static String render(RunReport r) {
        StringBuilder h = new StringBuilder(8192 + Math.min(r.patch().length(), MAX_PATCH_CHARS) * 2);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>agent-sandbox review: ").append(e(r.runId())).append("</title>\n<link rel=\"stylesheet\" href=\"").append(STYLESHEET).append("\"></head><body>\n");
        h.append("<header><h1>agent-sandbox review</h1><p class=\"verdict v-").append(r.verdict().id()).append("\">")
                .append(e(MarkdownSummary.headline(r.verdict()))).append("</p>\n<dl>")
                .append(dt("run", r.runId())).append(dt("repository", r.repository()))
                .append(dt("base", r.baseBranch() + " @ " + r.baseCommit()))
                .append(dt("feature branch", r.headCommit() == null ? "nothing committed" : r.featureBranch() + " @ " + r.headCommit()))
                .append(r.gates().stream().map(GateResult::details).filter(GateDetails.DataClass.class::isInstance)
                        .map(GateDetails.DataClass.class::cast).map(d -> dt("data class", d.name() + " (" + d.rule() + ")")).findFirst().orElse(""))
                .append(r.gates().stream().map(GateResult::details).filter(GateDetails.Risk.class::isInstance).map(GateDetails.Risk.class::cast)
                        .map(d -> dt("risk tier", d.tier() + (d.reasons().isEmpty() ? "" : " — " + String.join("; ", d.reasons().stream().limit(5).toList()))))
                        .findFirst().orElse(""))
                .append("</dl></header>\n");
        h.append("<section id=\"gates\"><h2>Gates</h2><table><thead><tr><th>gate</th><th>verdict</th><th>findings</th><th>time</th></tr></thead><tbody>\n");
        for (GateResult g : r.gates()) {
            h.append("<tr><td>").append(e(g.gate())).append("</td><td class=\"v-").append(g.verdict().id()).append("\">")
                    .append(g.verdict().id().toUpperCase(Locale.ROOT)).append("</td><td>").append(g.findings().size())
                    .append("</td><td>").append(g.duration().toMillis()).append(" ms</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        long total = r.gates().stream().mapToLong(g -> g.findings().size()).sum();
        if (total > 0) {
            h.append("<table class=\"findings\"><thead><tr><th>level</th><th>gate / rule</th><th>where</th><th>message</th></tr></thead><tbody>\n");
            for (GateResult g : r.gates()) {
                for (Finding f : g.findings()) {
                    h.append("<tr><td class=\"v-").append(f.level().id()).append("\">").append(f.level().id()).append("</td><td>")
                            .append(e(g.gate() + " / " + f.rule())).append("</td><td><code>")
                            .append(f.path() == null ? "" : e(f.path() + (f.line() > 0 ? ":" + f.line() : ""))).append("</code></td><td>")
                            .append(e(f.message()));
                    if (f.evidence() != null) {
                        h.append("<pre>").append(e(f.evidence())).append("</pre>");
                    }
                    h.append("</td></tr>\n");
                }
            }
            h.append("</tbody></table>\n");
        }
        h.append("</section>\n");
        task(h, r.task(), r.trigger());
        h.append("<section id=\"diff\"><h2>Change</h2>\n");
        diff(h, r);
        h.append("</section>\n");
        if (!r.dependencies().isEmpty()) {
            h.append("<section id=\"dependencies\"><h2>Dependency delta</h2><table><thead><tr><th>change</th><th>ecosystem</th><th>package</th>")
                    .append("<th>from</th><th>to</th><th>manifest</th></tr></thead><tbody>\n");
            for (RunReport.DependencyRow d : r.dependencies()) {
                h.append("<tr><td>").append(e(d.kind())).append("</td><td>").append(e(d.ecosystem())).append("</td><td><code>").append(e(d.name()))
                        .append("</code></td><td>").append(e(String.valueOf(d.oldVersion()))).append("</td><td>").append(e(String.valueOf(d.newVersion())))
                        .append("</td><td><code>").append(e(String.valueOf(d.manifest()))).append("</code></td></tr>\n");
            }
            h.append("</tbody></table></section>\n");
        }
        timeline(h, r);
        h.append("<section id=\"sandbox\"><h2>Sandbox</h2><table><tbody>\n");
        for (Map.Entry<String, Object> x : r.sandbox().entrySet()) {
            h.append("<tr><th>").append(e(x.getKey())).append("</th><td><code>").append(e(String.valueOf(x.getValue()))).append("</code></td></tr>\n");
        }
        h.append("</tbody></table></section>\n<footer>Approve or reject with <code>agent-sandbox approve|reject --run &lt;bundle&gt; --by &lt;you&gt;</code>;")
                .append(" the decision binds to commit <code>").append(e(String.valueOf(r.headCommit()))).append("</code>.</footer>\n</body></html>\n");
        return h.toString();
    }

    /** What the agent ran, as gVisor's kernel saw it (the agent gate's process records), with times from its first program. */
    private static void timeline(StringBuilder h, RunReport r) {
        List<?> processes = r.gates().stream().map(GateResult::details).filter(GateDetails.Agent.class::isInstance)
                .map(d -> ((GateDetails.Agent) d).processes()).findFirst().orElse(List.of());
        if (processes.isEmpty()) {
            return;
        }
        h.append("<section id=\"processes\"><h2>Programs the agent ran</h2><table><thead><tr><th>at</th><th>pid</th><th>parent</th>")
                .append("<th>program that ran</th><th>command</th><th>folder</th><th>ended</th></tr></thead><tbody>\n");
        java.time.Instant first = null;
        for (Object o : processes) {
            if (!(o instanceof Map<?, ?> p)) {
                continue;
            }
            java.time.Instant start = java.time.Instant.parse(String.valueOf(p.get("start")));
            first = first == null ? start : first;
            Object argv = p.get("argv");
            String command = argv instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList()) : String.valueOf(argv);
            h.append("<tr><td>+").append(java.time.Duration.between(first, start).toMillis()).append(" ms</td><td>").append(e(String.valueOf(p.get("pid"))))
                    .append("</td><td>").append(e(String.valueOf(p.get("ppid")))).append("</td><td><code>")
                    .append(e(String.valueOf(p.get("binary")))).append("</code></td><td><code>").append(e(command))
                    .append("</code></td><td><code>").append(e(String.valueOf(p.get("cwd")))).append("</code></td><td>")
                    .append(e(String.valueOf(p.get("exit")))).append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static void diff(StringBuilder h, RunReport r) {
        if (r.patch().isEmpty()) {
            h.append("<p>No change was committed.</p>\n");
            return;
        }
        String patch = r.patch();
        boolean truncated = patch.length() > MAX_PATCH_CHARS;
        if (truncated) {
            patch = patch.substring(0, MAX_PATCH_CHARS);
        }
        h.append("<pre class=\"diff\">");
        for (String line : patch.split("\n", -1)) {
            String cls = line.startsWith("diff --git") ? "file" : line.startsWith("@@") ? "hunk" : line.startsWith("+++") || line.startsWith("---") ? "meta"
                    : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
            // Block spans, no newline between them: a <pre> would show it as an empty line.
            h.append("<span class=\"").append(cls).append("\">").append(line.isEmpty() ? " " : e(line)).append("</span>");
        }
        h.append("</pre>\n");
        if (truncated) {
            h.append("<p class=\"note\">The patch is larger than ").append(MAX_PATCH_CHARS / (1024 * 1024))
                    .append(" MB; the rest is in change.patch.</p>\n");
        }
    }

    /** The task exactly as the agent received it, with what a reader would not see made visible and flagged. */
    private static void task(StringBuilder h, String task, dev.agentsandbox.bundle.RunRecord.Trigger trigger) {
        if (task.isEmpty()) {
            return;
        }
        List<String> hidden = TaskText.hiddenContent(task);
        h.append("<section id=\"task\"><h2>Task, as the agent received it</h2>\n");
        if (trigger != null) {
            // where a person asked: the page's link is text, never a live link the agent's words could have chosen
            h.append("<p class=\"trigger\">Asked by <code>").append(e(trigger.author())).append("</code> (").append(e(String.valueOf(trigger.permission())))
                    .append(" on the repository) with ").append(e(String.valueOf(trigger.event()))).append(" <code>").append(e(String.valueOf(trigger.url())))
                    .append("</code>; text SHA-256 <code>").append(e(String.valueOf(trigger.sha256()))).append("</code>")
                    .append("dropped".equals(trigger.untrustedContext()) ? "; text around it by people without write access was dropped"
                            : "marked".equals(trigger.untrustedContext()) ? "; text around it by people without write access was passed, marked as untrusted" : "")
                    .append(".</p>\n");
        }
        if (!hidden.isEmpty()) {
            h.append("<p class=\"note v-warn\">The task holds content a reader may not see: ").append(e(String.join("; ", hidden)))
                    .append(". It is shown marked below; such text often carries instructions for the agent.</p>\n");
        }
        h.append("<pre class=\"task\">").append(e(task)).append("</pre></section>\n");
    }

    private static String dt(String k, String v) {
        return "<dt>" + e(k) + "</dt><dd><code>" + e(String.valueOf(v)) + "</code></dd>";
    }

    /** Escaped, and every character that shows as nothing (bidi controls, zero-width, tags, controls) shown as a marked code. */
    private static String e(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean hidden = dev.agentsandbox.console.SafeText.isHidden(cp) || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F
                    || (cp >= 0x80 && cp <= 0x9F);
            if (hidden && b == null) {
                b = new StringBuilder(s.length() + 32).append(escapeHtml4(s.substring(0, i)));
            }
            if (b != null) {
                if (hidden) {
                    b.append("<mark class=\"hc\">").append(String.format("U+%04X", cp)).append("</mark>");
                } else {
                    b.append(escapeHtml4(new String(Character.toChars(cp))));
                }
            }
            i += Character.charCount(cp);
        }
        return b == null ? escapeHtml4(s) : b.toString();
    }

    /** The page's stylesheet (review.css). */
    public static String stylesheet() {
        return CSS;
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1f2328;background:#fff}
            h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
            dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{color:#59636e}dd{margin:0}
            table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f6f8fa}code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}pre{white-space:pre-wrap;word-break:break-all;margin:4px 0}
            .verdict{display:inline-block;padding:4px 10px;border-radius:6px;font-weight:600}
            .v-pass{color:#1a7f37}.v-warn{color:#9a6700}.v-fail{color:#d1242f}
            p.v-pass{background:#dafbe1}p.v-warn{background:#fff8c5}p.v-fail{background:#ffebe9}
            pre.diff{border:1px solid #d0d7de;border-radius:6px;overflow:auto;padding:0}pre.diff span{display:block;padding:0 8px}
            .add{background:#e6ffec}.del{background:#ffebe9}.hunk{background:#ddf4ff;color:#0550ae}.file{background:#f6f8fa;font-weight:600;margin-top:6px}
            .meta{color:#59636e}.note{color:#9a6700}mark.hc{background:#d1242f;color:#fff;border-radius:3px;padding:0 2px;font-size:10px}
            pre.task{border:1px solid #d0d7de;border-radius:6px;padding:8px;background:#f6f8fa}.task-comment{background:#fff8c5}footer{margin-top:32px;color:#59636e;font-size:12px}
            """;
}
