package dev.agentsandbox.gate.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.config.AdvisoryConfig;
import dev.agentsandbox.config.DependencyConfig;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.testing.OsvServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Known-bad packages from an OSV API stand-in on loopback, and from a local OSV export. */
class OsvAdvisoriesTest {
    @TempDir
    Path tmp;

    static DependencyGate.Analysis analyse(OsvAdvisories.Source source, AdvisoryConfig adv) throws Exception {
        var base = new DependencyGateTest.MapTree(Map.of("requirements.txt", "flask==3.0.0\n"));
        var head = new DependencyGateTest.MapTree(Map.of("requirements.txt", "flask==3.0.0\nevil-pkg==1.0\nrequests==2.0.0\nsafe==1.0\n",
                "package.json", "{\"dependencies\": {\"left-pad\": \"^1.3.0\"}}"));
        var change = new dev.agentsandbox.change.ChangeSet(List.of(new dev.agentsandbox.change.FileChange("requirements.txt",
                dev.agentsandbox.change.FileChange.Kind.MODIFIED, 0100644, 0100644, false, 10, List.of(), 0),
                new dev.agentsandbox.change.FileChange("package.json", dev.agentsandbox.change.FileChange.Kind.ADDED, 0, 0100644, false, 10, List.of(), 0)));
        DependencyConfig c = new DependencyConfig(null, null, null, null, null, null, adv);
        return new DependencyGate(c, source, null).analyse(new GateContext(change, base, head, null, null));
    }

    static List<String> rules(DependencyGate.Analysis a) {
        return a.result().findings().stream().map(f -> f.rule() + ":" + f.level().id()).toList();
    }

    @Test
    void maliciousPackagesFailAndVulnerabilitiesWarnOrFailBySeverity() throws Exception {
        try (OsvServer osv = new OsvServer()) {
            osv.advisory("MAL-2026-1", "PyPI", "evil-pkg", null)
                    .advisory("GHSA-aaaa-bbbb-cccc", "PyPI", "requests", "HIGH", "2.0.0")
                    .advisory("GHSA-old", "PyPI", "requests", "CRITICAL", "1.0.0")
                    .advisory("MAL-2026-2", "npm", "left-pad", null)
                    .advisory("GHSA-range", "npm", "left-pad", "LOW", "1.3.0");
            var a = analyse(OsvAdvisories.api(osv.url()), AdvisoryConfig.DEFAULT);
            assertThat(rules(a)).contains("malicious-package:fail", "vulnerable-dependency:warn");
            assertThat(a.advisories()).extracting(Advisory::id).containsExactlyInAnyOrder("MAL-2026-1", "GHSA-aaaa-bbbb-cccc", "MAL-2026-2");
            // a range (^1.3.0) is asked without a version: only its malicious advisories count
            assertThat(osv.queries.get(0).toString()).contains("\"name\":\"left-pad\",\"ecosystem\":\"npm\"}}");
            var high = analyse(OsvAdvisories.api(osv.url()), new AdvisoryConfig(null, null, null, "high", null));
            assertThat(rules(high)).contains("vulnerable-dependency:fail");
            var bom = CycloneDxWriter.bom(a.head(), a.delta(), a.advisories());
            assertThat(bom.getVulnerabilities()).extracting(v -> v.getId()).contains("MAL-2026-1", "GHSA-aaaa-bbbb-cccc");
        }
    }

    @Test
    void anUnreachableSourceIsAFindingNeverASilentPass() throws Exception {
        var a = analyse(OsvAdvisories.api("http://127.0.0.1:9"), AdvisoryConfig.DEFAULT);
        assertThat(rules(a)).contains("advisories-unavailable:warn");
        var strict = analyse(OsvAdvisories.api("http://127.0.0.1:9"), new AdvisoryConfig(null, null, null, null,
                dev.agentsandbox.verdict.Verdict.FAIL));
        assertThat(rules(strict)).contains("advisories-unavailable:fail");
    }

    @Test
    void aLocalOsvExportServesOfflineHosts() throws Exception {
        Path db = Files.createDirectories(tmp.resolve("osv"));
        try (OsvServer records = new OsvServer()) {
            records.advisory("MAL-2026-9", "PyPI", "Evil_Pkg", null).advisory("PYSEC-1", "PyPI", "requests", "MODERATE", "2.0.0");
            for (var e : records.records().entrySet()) {
                Files.writeString(db.resolve(e.getKey() + ".json"), new ObjectMapper().writeValueAsString(e.getValue()));
            }
        }
        var a = analyse(OsvAdvisories.database(db), AdvisoryConfig.DEFAULT);
        assertThat(a.advisories()).extracting(Advisory::id).containsExactlyInAnyOrder("MAL-2026-9", "PYSEC-1");
        assertThat(a.result().findings()).extracting(Finding::message).anyMatch(m -> m.contains("known malicious package MAL-2026-9"));
    }
}
