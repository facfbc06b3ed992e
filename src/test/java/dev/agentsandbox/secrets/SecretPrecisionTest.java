package dev.agentsandbox.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Recall of at least 95% on every family's positives, at most 3% of look-alike decoys flagged. */
class SecretPrecisionTest {
    static final SecretScanner SCANNER = SecretScanner.defaults();

    static boolean found(PrecisionCorpus.Sample s) {
        return SCANNER.scan(s.path(), s.line()).stream().anyMatch(m -> m.rule().id().equals(s.rule()));
    }

    static boolean flagged(PrecisionCorpus.Sample s) {
        return !SCANNER.scan(s.path(), s.line()).isEmpty();
    }

    @Test
    void recallAndDecoyRateMeetTheTargets() {
        List<PrecisionCorpus.Sample> pos = PrecisionCorpus.positives();
        List<PrecisionCorpus.Sample> dec = PrecisionCorpus.decoys();
        List<PrecisionCorpus.Sample> missed = pos.stream().filter(s -> !found(s)).toList();
        List<PrecisionCorpus.Sample> falsely = dec.stream().filter(SecretPrecisionTest::flagged).toList();
        Map<String, int[]> byKind = new TreeMap<>();
        for (PrecisionCorpus.Sample d : dec) {
            int[] c = byKind.computeIfAbsent(d.kind(), k -> new int[2]);
            c[0]++;
            c[1] += flagged(d) ? 1 : 0;
        }
        double recall = 1.0 - (double) missed.size() / pos.size();
        double decoyRate = (double) falsely.size() / dec.size();
        assertThat(pos.size()).isGreaterThan(150);
        assertThat(dec.size()).isGreaterThan(250);
        assertThat(recall).as("missed: " + missed).isGreaterThanOrEqualTo(0.95);
        assertThat(decoyRate).as("flagged decoys: " + falsely + " by kind " + byKind.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()[1] + "/" + e.getValue()[0]).toList()).isLessThanOrEqualTo(0.03);
    }
}
