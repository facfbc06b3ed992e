package dev.agentsandbox.bench;

import dev.agentsandbox.secrets.PrecisionCorpus;
import dev.agentsandbox.secrets.SecretScanner;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Precision and recall of the secrets gate on the project's labelled corpus, as a Markdown table:
 * recall per rule family, the share of each kind of look-alike decoy flagged, and overall precision.
 */
public final class SecretPrecisionBench {
    private SecretPrecisionBench() {
    }

    public static void main(String[] args) {
        SecretScanner scanner = SecretScanner.defaults();
        Map<String, int[]> families = new TreeMap<>();
        int tp = 0;
        for (PrecisionCorpus.Sample s : PrecisionCorpus.positives()) {
            boolean hit = scanner.scan(s.path(), s.line()).stream().anyMatch(m -> m.rule().id().equals(s.rule()));
            int[] c = families.computeIfAbsent(s.rule(), k -> new int[2]);
            c[0]++;
            c[1] += hit ? 1 : 0;
            tp += hit ? 1 : 0;
        }
        Map<String, int[]> kinds = new TreeMap<>();
        int fp = 0;
        List<PrecisionCorpus.Sample> decoys = PrecisionCorpus.decoys();
        for (PrecisionCorpus.Sample s : decoys) {
            boolean hit = !scanner.scan(s.path(), s.line()).isEmpty();
            int[] c = kinds.computeIfAbsent(s.kind(), k -> new int[2]);
            c[0]++;
            c[1] += hit ? 1 : 0;
            fp += hit ? 1 : 0;
        }
        int positives = PrecisionCorpus.positives().size();
        System.out.println("| rule family | positives | found | recall |");
        System.out.println("|---|---|---|---|");
        families.forEach((k, c) -> System.out.printf("| %s | %d | %d | %.0f%% |%n", k, c[0], c[1], 100.0 * c[1] / c[0]));
        System.out.printf("| **all** | %d | %d | **%.1f%%** |%n%n", positives, tp, 100.0 * tp / positives);
        System.out.println("| decoy kind | decoys | flagged | flagged share |");
        System.out.println("|---|---|---|---|");
        kinds.forEach((k, c) -> System.out.printf("| %s | %d | %d | %.1f%% |%n", k, c[0], c[1], 100.0 * c[1] / c[0]));
        System.out.printf("| **all** | %d | %d | **%.1f%%** |%n%n", decoys.size(), fp, 100.0 * fp / decoys.size());
        System.out.printf("Precision (found positives / everything flagged): %.1f%%. Targets: recall >= 95%%, decoys flagged <= 3%%.%n",
                100.0 * tp / (tp + fp));
    }
}
