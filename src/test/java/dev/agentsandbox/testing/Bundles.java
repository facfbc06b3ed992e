package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Assertions over a run bundle. */
public final class Bundles {
    private Bundles() {
    }

    /** No file of the bundle contains the text (a secret value, usually). */
    public static void assertNowhere(Path bundle, String text) throws IOException {
        try (var files = Files.walk(bundle)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(f);
                assertThat(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1));
                if (f.getFileName().toString().endsWith(".bundle")) {
                    assertThat(inflatedStreams(b)).as(f + " (its compressed objects)").doesNotContain(text);
                }
            }
        }
    }

    /** Every zlib stream in a git pack, inflated and joined: what a text search of the raw bytes cannot see. */
    static String inflatedStreams(byte[] b) {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i + 1 < b.length; i++) {
            if ((b[i] & 0xff) == 0x78 && ((b[i] & 0xff) * 256 + (b[i + 1] & 0xff)) % 31 == 0) {
                java.util.zip.Inflater inf = new java.util.zip.Inflater();
                inf.setInput(b, i, b.length - i);
                byte[] out = new byte[1 << 16];
                try {
                    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
                    while (!inf.finished() && !inf.needsInput() && o.size() < (8 << 20)) {
                        int n = inf.inflate(out);
                        if (n == 0 && (inf.needsDictionary() || inf.needsInput())) {
                            break;
                        }
                        o.write(out, 0, n);
                    }
                    if (inf.finished()) {
                        all.append(o.toString(java.nio.charset.StandardCharsets.UTF_8)).append('\n');
                    }
                } catch (java.util.zip.DataFormatException e) {
                    // not a stream here
                } finally {
                    inf.end();
                }
            }
        }
        return all.toString();
    }

    public static JsonNode runJson(Path bundle) throws IOException {
        return new ObjectMapper().readTree(bundle.resolve("run.json").toFile());
    }

    public static String headCommit(Path bundle) throws IOException {
        return runJson(bundle).get("headCommit").asText();
    }

    /**
     * Re-signs a bundle's gates stage as its files are now, with a key (an insider holding the CI's
     * attestation key, or a test of what lies beneath the signatures). True when it was signed.
     */
    public static boolean resign(Path bundle, String keyFile) throws Exception {
        JsonNode st = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.util.Base64.getDecoder().decode(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(bundle.resolve("attestation/gates.dsse.json").toFile())
                        .get("payload").asText()));
        var anchor = new dev.agentsandbox.audit.AuditLog.Head(st.at("/predicate/audit/seq").asLong(), st.at("/predicate/audit/hash").asText());
        var signed = dev.agentsandbox.bundle.Attestor.statement(dev.agentsandbox.bundle.BundleSnapshot.read(bundle), "gates",
                dev.agentsandbox.audit.SigningKeys.load(Path.of(keyFile)), anchor, java.util.Map.of("verdict", "pass"));
        dev.agentsandbox.bundle.Attestor.write(bundle, "gates", signed);
        return true;
    }
}
