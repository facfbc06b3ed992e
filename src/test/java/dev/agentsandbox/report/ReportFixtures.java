package dev.agentsandbox.report;

import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run report with hostile names and text in every place a report prints. */
final class ReportFixtures {
    static final String HOSTILE_FILE = "<script>alert(1)</script> |x| `y`.txt";
    static final String HOSTILE_PATCH_LINE = "+</pre><script>alert(2)</script>";

    private ReportFixtures() {
    }

    static RunReport report() {
        FileChange f = new FileChange(HOSTILE_FILE, FileChange.Kind.ADDED, 0, 0100644, false, 10,
                List.of(new AddedLine(1, "</pre><script>alert(2)</script>")), 0);
        FileChange g = new FileChange("src/app with space.py", FileChange.Kind.MODIFIED, 0100644, 0100644, false, 10,
                List.of(new AddedLine(3, "x = 1")), 1);
        List<GateResult> gates = List.of(
                GateResult.of("policy", List.of(Finding.at("policy", "protected-path", Verdict.FAIL, "the change modifies Jenkinsfile\u0001", "Jenkinsfile", 0)),
                        Duration.ofMillis(3), GateDetails.NONE),
                GateResult.of("secrets", List.of(new Finding("secrets", "github-token", Verdict.FAIL, "GitHub token added",
                        HOSTILE_FILE, 1, "GH=[REDACTED:github-token]")), Duration.ofMillis(1), GateDetails.NONE),
                GateResult.of("dependencies", List.of(Finding.of("dependencies", "added", Verdict.WARN, "new dependency <b>left-pad</b>")),
                        Duration.ofMillis(2), GateDetails.NONE),
                GateResult.of("tests", List.of(), Duration.ofMillis(900),
                        new GateDetails.Check(0, "exited", "agent:1", "sha256:0", Map.of("total", 900L), new GateDetails.Check.Junit(2, 0, 0, 0))));
        String patch = "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n" + HOSTILE_PATCH_LINE + "\n";
        Map<String, Object> sandbox = new LinkedHashMap<>();
        sandbox.put("runtime", "runsc");
        sandbox.put("image", "agent:1");
        sandbox.put("networkMode", "none");
        return new RunReport("20261123-000000-abcdef", "sample", "main", "a".repeat(40), "agent/x-1", "b".repeat(40), dev.agentsandbox.bundle.Outcome.FAIL, gates,
                new ChangeSet(List.of(f, g)), patch,
                List.of(new RunReport.DependencyRow("added", "npm", "left-pad", null, "1.3.0", "package.json")), sandbox);
    }
}
