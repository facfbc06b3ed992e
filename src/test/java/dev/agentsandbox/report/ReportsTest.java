package dev.agentsandbox.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportsTest {
    @TempDir
    Path tmp;

    /** The parts of SARIF 2.1.0 that GitHub code scanning requires, as a schema. */
    static final String GITHUB_SARIF = """
            {"type":"object","required":["version","$schema","runs"],
             "properties":{"version":{"const":"2.1.0"},
              "runs":{"type":"array","minItems":1,"items":{"type":"object","required":["tool","results"],
               "properties":{"tool":{"type":"object","required":["driver"],"properties":{"driver":{"type":"object","required":["name","rules"]}}},
                "results":{"type":"array","items":{"type":"object","required":["ruleId","message","locations","level"],
                 "properties":{"level":{"enum":["error","warning","note","none"]},
                  "message":{"type":"object","required":["text"]},
                  "locations":{"type":"array","minItems":1,"items":{"type":"object","required":["physicalLocation"],
                   "properties":{"physicalLocation":{"type":"object","required":["artifactLocation","region"],
                    "properties":{"artifactLocation":{"type":"object","required":["uri"],"properties":{"uri":{"type":"string","pattern":"^[^ <>|`]*$"}}},
                     "region":{"type":"object","required":["startLine"],"properties":{"startLine":{"type":"integer","minimum":1}}}}}}}}}}}}}}}}
            """;

    /** The required parts of GitLab's SAST report (security-report-schemas 15.x, sast-report-format.json). */
    static final String GITLAB_SAST = """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":["version","scan","vulnerabilities"],
             "properties":{"version":{"type":"string","pattern":"^15\\\\."},
              "scan":{"type":"object","required":["analyzer","scanner","type","start_time","end_time","status"],
               "properties":{"type":{"const":"sast"},"status":{"enum":["success","failure"]},
                "start_time":{"type":"string","pattern":"^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}$"},
                "scanner":{"type":"object","required":["id","name","version","vendor"]},"analyzer":{"type":"object","required":["id","name","version","vendor"]}}},
              "vulnerabilities":{"type":"array","items":{"type":"object","required":["id","identifiers","location"],
               "properties":{"severity":{"enum":["Info","Unknown","Low","Medium","High","Critical"]},
                "identifiers":{"type":"array","minItems":1,"items":{"type":"object","required":["type","name","value"]}},
                "location":{"type":"object","required":["file"]}}}}}}
            """;

    @Test
    void theGitlabSastReportHasWhatGitlabRequires(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path f = tmp.resolve("gl-sast-report.json");
        GitlabSastWriter.write(ReportFixtures.report(), f);
        JsonNode sast = new ObjectMapper().readTree(f.toFile());
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(GITLAB_SAST);
        assertThat(schema.validate(sast)).isEmpty();
        assertThat(sast.get("vulnerabilities")).hasSize(3);
        assertThat(sast.at("/vulnerabilities/0/severity").asText()).isEqualTo("High");
    }

    @Test
    void sarifHasWhatCodeScanningRequiresAndEncodesOddPaths() throws Exception {
        JsonNode sarif = new ObjectMapper().valueToTree(SarifWriter.sarif(ReportFixtures.report()));
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(GITHUB_SARIF);
        assertThat(schema.validate(sarif)).isEmpty();
        JsonNode results = sarif.at("/runs/0/results");
        assertThat(results).hasSize(3);
        assertThat(results.get(0).get("level").asText()).isEqualTo("error");
        assertThat(results.get(2).at("/locations/0/physicalLocation/artifactLocation/uri").asText()).isEqualTo(".agent-sandbox.yml");
        assertThat(results.get(1).at("/locations/0/physicalLocation/artifactLocation/uri").asText()).contains("%3Cscript%3E");
        assertThat(sarif.at("/runs/0/tool/driver/rules").findValuesAsText("id")).contains("policy/protected-path", "secrets/github-token");
    }

    @Test
    void junitHasOneCaseAGateAndAFailurePerFailingFinding() throws Exception {
        Path f = tmp.resolve("junit.xml");
        JunitWriter.write(ReportFixtures.report(), f);
        var dbf = DocumentBuilderFactory.newInstance();
        Document d = dbf.newDocumentBuilder().parse(f.toFile());
        assertThat(d.getElementsByTagName("testcase").getLength()).isEqualTo(4);
        assertThat(d.getElementsByTagName("failure").getLength()).isEqualTo(2);
        assertThat(d.getDocumentElement().getAttribute("failures")).isEqualTo("2");
        assertThat(Files.readString(f)).doesNotContain("\u0001").contains("&lt;script>alert(1)&lt;/script>");
    }

    @Test
    void theMarkdownSummaryEscapesTableCells() {
        String md = MarkdownSummary.render(ReportFixtures.report());
        assertThat(md).contains("gates FAILED").contains("| policy | FAIL | 1 |");
        assertThat(md).doesNotContain("<script>").contains("&lt;script&gt;");
        assertThat(md).contains("\\|x\\|");
        for (String line : md.split("\n")) {
            if (line.startsWith("| ")) {
                assertThat(line.replace("\\|", "").chars().filter(c -> c == '|').count()).as(line).isGreaterThanOrEqualTo(4);
            }
        }
    }

    @Test
    void theReviewPageEscapesEverythingAndLoadsNothing() {
        String html = HtmlReview.render(ReportFixtures.report());
        assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        assertThat(html).contains("+&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;");
        assertThat(html).doesNotContainPattern("(src|href)=\"?(https?:)?//");
        assertThat(html).contains("default-src 'none'");
    }

    @Test
    void aLargePatchIsTruncatedWithANote() {
        RunReport r = ReportFixtures.report();
        String big = "+" + "x".repeat(100) + "\n";
        RunReport large = new RunReport(r.runId(), r.repository(), r.baseBranch(), r.baseCommit(), r.featureBranch(), r.headCommit(), r.verdict(),
                r.gates(), r.change(), big.repeat(30_000), r.dependencies(), r.sandbox());
        String html = HtmlReview.render(large);
        assertThat(html).contains("the rest is in change.patch");
        assertThat(html.length()).isLessThan(10 * 1024 * 1024);
    }
}
