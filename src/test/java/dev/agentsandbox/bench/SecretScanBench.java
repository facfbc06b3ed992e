package dev.agentsandbox.bench;

import dev.agentsandbox.secrets.SecretCorpus;
import dev.agentsandbox.secrets.SecretScanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Secret-scan throughput on one core over a generated diff of ordinary code with a few planted
 * credentials, written to files as well so that secretlint can scan the same bytes. Usage:
 * SecretScanBench OUT_DIR MEGABYTES. Prints "scan_mb_per_s=…" (median of three passes after a
 * warm-up pass; JVM start not included), "found=…", "recall=…".
 */
public final class SecretScanBench {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int mb = Integer.parseInt(args[1]);
        Files.createDirectories(out);
        List<String> lines = generate(mb, out);
        SecretScanner scanner = SecretScanner.defaults();
        long bytes = lines.stream().mapToLong(l -> l.length() + 1).sum();
        int found = 0;
        // Steady state, as in a gate scanning a large diff: one pass to compile, then the median of three.
        for (String l : lines) {
            scanner.scan(l);
        }
        double[] passes = new double[3];
        for (int p = 0; p < passes.length; p++) {
            found = 0;
            long t0 = System.nanoTime();
            for (String l : lines) {
                found += scanner.scan(l).size();
            }
            passes[p] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(passes);
        double secs = passes[1];
        int recalled = 0;
        for (SecretCorpus.Sample s : SecretCorpus.positives()) {
            if (scanner.scan(s.line()).stream().anyMatch(m -> m.rule().id().equals(s.rule()))) {
                recalled++;
            }
        }
        System.out.printf("scan_bytes=%d%nscan_seconds=%.3f%nscan_mb_per_s=%.1f%nfound=%d%nrecall=%d/%d%n", bytes, secs,
                bytes / 1e6 / secs, found, recalled, SecretCorpus.positives().size());
    }

    static List<String> generate(int mb, Path out) throws IOException {
        Random r = new Random(42);
        String[] templates = {
            "    public static int compute%d(int a, int b) { return a * %d + b; }",
            "    // TODO: refactor the token bucket in module %d, see issue %d",
            "    const value%d = await fetch(`/api/v1/items/${id}?page=%d`);",
            "    logger.info(\"processed {} records in {} ms\", count%d, elapsed%d);",
            "    if (password == null || password.isEmpty()) { throw new IllegalArgumentException(\"password%d %d\"); }",
            "    def handler_%d(self, request): return self.render(request, \"page%d.html\")",
            "    <dependency><groupId>org.example</groupId><artifactId>lib%d</artifactId><version>1.%d</version></dependency>",
        };
        List<String> lines = new ArrayList<>();
        long size = 0;
        int file = 0;
        StringBuilder chunk = new StringBuilder();
        while (size < (long) mb << 20) {
            String l;
            if (r.nextInt(20_000) == 0) {
                l = "    GH_TOKEN=" + "ghp" + "_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY" + String.format("%04d", r.nextInt(10000));
            } else {
                l = String.format(templates[r.nextInt(templates.length)], r.nextInt(100000), r.nextInt(1000));
            }
            lines.add(l);
            size += l.length() + 1;
            chunk.append(l).append('\n');
            if (chunk.length() > 1 << 20) {
                Files.writeString(out.resolve("chunk-" + (file++) + ".txt"), chunk, StandardCharsets.UTF_8);
                chunk.setLength(0);
            }
        }
        Files.writeString(out.resolve("chunk-" + file + ".txt"), chunk, StandardCharsets.UTF_8);
        return lines;
    }
}
