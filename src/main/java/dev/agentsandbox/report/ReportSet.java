package dev.agentsandbox.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Writes every report of a run into the bundle's reports folder. */
public final class ReportSet {
    public static final String SARIF = "results.sarif";
    public static final String JUNIT = "junit.xml";
    public static final String SUMMARY = "summary.md";
    public static final String REVIEW = "review.html";

    private ReportSet() {
    }

    /**
     * @param redactor applied to each whole report before it is written: a last line of defence,
     *     since everything in a report should already be redacted
     */
    public static Map<String, Path> writeAll(RunReport report, Path dir, UnaryOperator<String> redactor) throws IOException {
        Files.createDirectories(dir);
        Map<String, Path> out = new LinkedHashMap<>();
        Path sarif = out(out, "sarif", dir.resolve(SARIF));
        SarifWriter.write(report, sarif);
        Path junit = out(out, "junit", dir.resolve(JUNIT));
        JunitWriter.write(report, junit);
        GitlabSastWriter.write(report, out(out, "gitlabSast", dir.resolve("gl-sast-report.json")));
        Files.writeString(out(out, "summary", dir.resolve(SUMMARY)), MarkdownSummary.render(report), StandardCharsets.UTF_8);
        Files.writeString(out(out, "review", dir.resolve(REVIEW)), HtmlReview.render(report), StandardCharsets.UTF_8);
        Files.writeString(out(out, "reviewStyle", dir.resolve(HtmlReview.STYLESHEET)), HtmlReview.stylesheet(), StandardCharsets.UTF_8);
        for (Path p : out.values()) {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            String clean = redactor.apply(text);
            if (!clean.equals(text)) {
                Files.writeString(p, clean, StandardCharsets.UTF_8);
            }
        }
        return out;
    }

    private static Path out(Map<String, Path> m, String key, Path p) {
        m.put(key, p);
        return p;
    }
}
