package dev.agentsandbox.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes every report of a run into the bundle's reports folder. */
public final class ReportSet {
    public static final String SARIF = "results.sarif";
    public static final String JUNIT = "junit.xml";
    public static final String SUMMARY = "summary.md";
    public static final String REVIEW = "review.html";

    private ReportSet() {
    }

    public static Map<String, Path> writeAll(RunReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Path> out = new LinkedHashMap<>();
        SarifWriter.write(report, out(out, "sarif", dir.resolve(SARIF)));
        JunitWriter.write(report, out(out, "junit", dir.resolve(JUNIT)));
        Files.writeString(out(out, "summary", dir.resolve(SUMMARY)), MarkdownSummary.render(report), StandardCharsets.UTF_8);
        Files.writeString(out(out, "review", dir.resolve(REVIEW)), HtmlReview.render(report), StandardCharsets.UTF_8);
        return out;
    }

    private static Path out(Map<String, Path> m, String key, Path p) {
        m.put(key, p);
        return p;
    }
}
