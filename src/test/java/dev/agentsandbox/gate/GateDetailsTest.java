package dev.agentsandbox.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** gates.json keeps the keys it had when details were maps: each kind of gate's facts, by name. */
class GateDetailsTest {
    @Test
    void everyKindWritesTheKeysGatesJsonHad() {
        assertThat(new GateDetails.Agent(0, "exited", 3, 256, List.of(Map.of("exe", "/bin/sh"))).facts())
                .containsOnlyKeys("exitCode", "ending", "pidsPeak", "pidsLimit", "processes");
        assertThat(new GateDetails.Check(1, "exited", "img", "sha256:1", Map.of("total", 5L), null).facts())
                .containsOnlyKeys("exitCode", "ending", "image", "imageId", "sandboxMillis");
        assertThat(new GateDetails.Check(1, "exited", "img", "sha256:1", Map.of("total", 5L), new GateDetails.Check.Junit(3, 1, 0, 0)).facts())
                .containsOnlyKeys("exitCode", "ending", "image", "imageId", "sandboxMillis", "tests", "failures", "errors", "skipped");
        assertThat(new GateDetails.Policy(1, 2, 3).facts()).containsOnlyKeys("files", "linesAdded", "linesRemoved");
        assertThat(new GateDetails.Secrets(1, 2, 0, true).facts()).containsOnlyKeys("scannedLines", "scannedChars", "allowed", "enabled");
        GateDetails.Dependencies d = new GateDetails.Dependencies(9, 1, 0, 0, 0, 0, null);
        assertThat(d.facts()).containsOnlyKeys("components", "added", "removed", "changed", "sourceChanges", "advisories");
        assertThat(d.withDelta(List.of(Map.of("kind", "added"))).facts()).containsKey("delta");
        assertThat(new GateDetails.Risk("high", List.of("touches CI")).facts()).containsOnlyKeys("tier", "reasons");
        assertThat(new GateDetails.DataClass("restricted", "repo:x", "ab").facts().keySet()).containsExactly("class", "rule", "policySha256");
        assertThat(new GateDetails.Plan(null).facts()).isEmpty();
        assertThat(new GateDetails.Plan("ab").facts()).containsOnlyKeys("sha256");
        assertThat(new GateDetails.Change(4).facts()).containsOnlyKeys("files");
        assertThat(GateDetails.NONE.facts()).isEmpty();
    }
}
