package dev.agentsandbox.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** A GitHub-token-shaped value in each shape the review passed it in, and an AWS key split in two. */
class SecretShapesTest {
    static final String TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A";
    final SecretScanner scanner = SecretScanner.defaults();

    String shape(String line) {
        var found = SecretShapes.find(scanner, line);
        assertThat(found).as(line).isNotEmpty();
        String redacted = Redaction.redact(line);
        assertThat(redacted).as("redacted").contains("[REDACTED:");
        return found.get(0).shape();
    }

    @Test
    void everyShapeIsFoundAndRedacted() {
        assertThat(shape("t = \"" + Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.US_ASCII)) + "\"")).isEqualTo("base64-encoded");
        assertThat(shape("t = '" + HexFormat.of().formatHex(TOKEN.getBytes(StandardCharsets.US_ASCII)) + "'")).isEqualTo("hex-encoded");
        assertThat(shape("t = \"" + TOKEN.substring(0, 12) + "\" + \"" + TOKEN.substring(12) + "\"")).isEqualTo("split across string literals");
        assertThat(shape("t = '" + new StringBuilder(TOKEN).reverse() + "'")).isEqualTo("reversed");
        assertThat(shape("t = '" + SecretShapes.rot13(TOKEN) + "'")).isEqualTo("rot13");
        assertThat(shape("key = \"AKIA\" + \"Z7QWERTYUIOPASDF\"")).isEqualTo("split across string literals");
    }

    @Test
    void ordinaryCodeHasNoHiddenCredential() {
        for (String line : new String[] {"integrity: sha512-" + Base64.getEncoder().encodeToString(new byte[64]),
            "const sha = \"" + "0123456789abcdef".repeat(4) + "\";", "msg = \"hello \" + \"world\"", "return x.reverse().join('')",
            "uuid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301'", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}) {
            assertThat(SecretShapes.find(scanner, line)).as(line).isEmpty();
        }
    }

    /** Every line a run writes goes through the shapes: none may throw (a base64-looking run of length 4k+1 once did). */
    @Test
    void anyLineIsSafeToScan() {
        java.util.Random random = new java.util.Random(42);
        String alphabet = "abcXYZ0189+/=_-'\" .:%\\";
        for (int i = 0; i < 20000; i++) {
            StringBuilder b = new StringBuilder();
            for (int j = random.nextInt(120); j > 0; j--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            SecretShapes.find(scanner, b.toString());
            Redaction.redact(b.toString());
        }
        SecretShapes.find(scanner, "sub/a1/a2/a3/a4/a5/a6/a7/a8/a9/a10/a11/a12/a13/a14/a15/a16/a17/a18/a19/a20/d");
    }
}
