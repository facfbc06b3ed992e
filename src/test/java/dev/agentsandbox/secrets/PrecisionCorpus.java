package dev.agentsandbox.secrets;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A labelled corpus of our own, large enough to measure precision: positives of every rule family in
 * the syntaxes they appear in (.env, YAML, JSON, code, URLs), and decoys that look like secrets but
 * are not: UUIDs, commit ids and other digests, SRI integrity values, base64 images, Stripe
 * test-mode and publishable keys in fixtures, lock-file hashes, public keys, checksums, the
 * tutorials' example JWT in docs, identifiers. Values are generated (seeded) so that this
 * repository holds no scannable literal.
 */
public final class PrecisionCorpus {
    /** One line in one file; {@code rule} is the family a positive must be found as, {@code kind} the decoy's kind. */
    public record Sample(String path, String line, String rule, String kind) {
    }

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private PrecisionCorpus() {
    }

    static String rnd(Random r, String alphabet, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    static String hex(Random r, int bytes) {
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String b64(Random r, int bytes) {
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    public static List<Sample> positives() {
        Random r = new Random(1);
        List<Sample> out = new ArrayList<>();
        for (SecretCorpus.Sample s : SecretCorpus.positives()) {
            out.add(new Sample("src/app.py", s.line(), s.rule(), null));
        }
        String[] envFiles = {".env", "config/prod.yaml", "src/settings.py", "deploy/values.json", "app/src/main/resources/application.properties"};
        for (int i = 0; i < 5; i++) {
            String f = envFiles[i];
            out.add(new Sample(f, "AWS_ACCESS_KEY_ID=" + "AKIA" + rnd(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), "aws-access-key-id", null));
            out.add(new Sample(f, "aws_secret_access_key: " + rnd(r, ALNUM + "/+", 40), "aws-secret-access-key", null));
            out.add(new Sample(f, "\"github\": \"" + "ghp" + "_" + rnd(r, ALNUM, 36) + "\"", "github-token", null));
            out.add(new Sample(f, "GITLAB_TOKEN=" + "glpat" + "-" + rnd(r, ALNUM, 20), "gitlab-token", null));
            out.add(new Sample(f, "slack = " + "xoxp" + "-" + rnd(r, "0123456789", 12) + "-" + rnd(r, ALNUM, 24), "slack-token", null));
            out.add(new Sample(f, "stripe_secret=" + "sk" + "_live_" + rnd(r, ALNUM, 32), "stripe-key", null));
            out.add(new Sample(f, "NPM_TOKEN=" + "npm" + "_" + rnd(r, ALNUM, 36), "npm-token", null));
            out.add(new Sample(f, "anthropic: " + "sk-ant-" + "api03-" + rnd(r, ALNUM + "_-", 93), "anthropic-key", null));
            out.add(new Sample(f, "openai_api_key = '" + "sk-proj-" + rnd(r, ALNUM, 24) + "T3Blbk" + "FJ" + rnd(r, ALNUM, 24) + "'", "openai-key", null));
            out.add(new Sample(f, "gcp: " + "AIza" + rnd(r, ALNUM + "_-", 35), "gcp-api-key", null));
            out.add(new Sample(f, "hf_token = \"" + "hf" + "_" + rnd(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34) + "\"", "huggingface-token", null));
            out.add(new Sample(f, "url: \"" + "https://hooks.slack.com/services/T" + rnd(r, "ABCDEFGHIJ0123456789", 8) + "/B"
                    + rnd(r, "ABCDEFGHIJ0123456789", 8) + "/" + rnd(r, ALNUM, 24) + "\"", "slack-webhook", null));
            out.add(new Sample(f, "DB_URL=mysql://app:" + rnd(r, ALNUM, 14) + "@db.internal/app", "password-in-url", null));
            out.add(new Sample(f, "session: " + "eyJ" + rnd(r, ALNUM, 20) + "." + "eyJ" + rnd(r, ALNUM, 30) + "." + rnd(r, ALNUM + "_-", 43), "jwt", null));
        }
        String[] names = {"client_secret", "API_KEY", "apiKey", "db_password", "auth_token", "SECRET_KEY", "access_key", "password",
            "webhook_secret", "private_token", "signing_secret", "refresh_token", "jwt_secret", "encryption_key", "service_credential"};
        String[] syntax = {"%s = \"%s\"", "%s: %s", "%s=%s", "\"%s\": \"%s\"", "%s := \"%s\"", "%s => '%s'"};
        String[] files = {"src/config.py", "config/app.yaml", ".env.production", "settings.json", "main.go", "config.php"};
        for (int i = 0; i < 60; i++) {
            String value = i % 5 == 0 ? hex(r, 32) : i % 7 == 0 ? b64(r, 24) : rnd(r, ALNUM, 20 + r.nextInt(20));
            out.add(new Sample(files[i % files.length], String.format(syntax[i % syntax.length], names[i % names.length], value), "generic-secret", null));
        }
        return out;
    }

    public static List<Sample> decoys() {
        Random r = new Random(2);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            java.util.UUID u = new java.util.UUID(r.nextLong(), r.nextLong());
            String[] forms = {"request_token = \"%s\"", "idempotency_key: %s", "api_key_id = '%s'", "session_key=%s", "token: %s"};
            out.add(new Sample("src/app.py", String.format(forms[i % forms.length], u), null, "uuid"));
        }
        for (int i = 0; i < 40; i++) {
            String[] forms = {"commit_key = \"%s\"", "cache_key: %s", "git_token_ref = %s", "key: %s", "revision_token=%s"};
            out.add(new Sample("ci/state.yaml", String.format(forms[i % forms.length], hex(r, 20)), null, "commit-id"));
        }
        for (int i = 0; i < 40; i++) {
            String sri = (i % 2 == 0 ? "sha512-" + b64(r, 64) : "sha384-" + b64(r, 48));
            String[] forms = {"      \"integrity\": \"%s\",", "<script src=\"x.js\" integrity=\"%s\"></script>", "token: %s", "key = \"%s\""};
            out.add(new Sample(i % 4 == 0 ? "package-lock.json" : "web/index.html", String.format(forms[i % forms.length], sri), null, "sri"));
        }
        for (int i = 0; i < 30; i++) {
            String img = (i % 3 == 0 ? "iVBORw0KGgoAAAANSUhEUgAA" : i % 3 == 1 ? "/9j/4AAQSkZJRgABAQ" : "R0lGODlhAQABAIAAAP") + b64(r, 60);
            String[] forms = {"icon_key = \"%s\"", "logo_token: \"data:image/png;base64,%s\"", "avatar_secret_image = '%s'"};
            out.add(new Sample("web/assets.js", String.format(forms[i % forms.length], img), null, "data-uri"));
        }
        for (int i = 0; i < 30; i++) {
            String key = (i % 2 == 0 ? "sk" + "_test_" : "pk" + "_live_") + rnd(r, ALNUM, 24);
            String[] forms = {"stripe_key = \"%s\"", "STRIPE_SECRET_KEY=%s", "publishable_key: %s"};
            out.add(new Sample("tests/fixtures/payments.py", String.format(forms[i % forms.length], key), null, "stripe-test"));
        }
        for (int i = 0; i < 30; i++) {
            String[] forms = {"  integrity sha512-%s", "github.com/x/y v1.2.%d h1:%s=", "\"checksum\": \"%s\"", "checksum = \"%s\""};
            String line = switch (i % 4) {
                case 0 -> String.format(forms[0], b64(r, 64));
                case 1 -> String.format(forms[1], i, b64(r, 32).replace("=", ""));
                case 2 -> String.format(forms[2], hex(r, 32));
                default -> String.format(forms[3], hex(r, 32));
            };
            String[] lockfiles = {"yarn.lock", "go.sum", "Cargo.lock", "poetry.lock"};
            out.add(new Sample(lockfiles[i % 4], line, null, "lockfile-hash"));
        }
        for (int i = 0; i < 30; i++) {
            String[] forms = {"public_key = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s deploy\"", "PUBLIC_KEY=\"ssh-rsa AAAAB3NzaC1yc2E%s\"",
                "verify_key_pub: %s", "public_token = %s"};
            out.add(new Sample("deploy/keys.yaml", String.format(forms[i % forms.length], b64(r, 32)), null, "public-key"));
        }
        for (int i = 0; i < 30; i++) {
            String[] forms = {"sha256_checksum = \"%s\"", "file_hash: %s", "digest_token=%s", "content_sha: %s", "etag_key = \"%s\""};
            out.add(new Sample("build/manifest.yaml", String.format(forms[i % forms.length], hex(r, 32)), null, "checksum"));
        }
        for (int i = 0; i < 20; i++) {
            out.add(new Sample(i % 2 == 0 ? "README.md" : "docs/auth.md", "curl -H 'Authorization: Bearer "
                    + "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + "." + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                    + "." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c" + "' https://api.example.com", null, "example-jwt"));
        }
        String[] idents = {"secret_name = \"prod-database-password-ref\"", "token_type = \"Bearer\"", "apiKeyHeader = \"XApiKeyHeaderName\"",
            "key_file = \"/etc/ssl/private/server.key\"", "password_policy = \"MinimumLengthTwelve\"", "SECRET_MANAGER_PATH=projects/app/secrets/db",
            "auth_token_url: https://login.example.com/oauth2/token", "access_key_rotation_days = 90000000000000000",
            "credential_provider = \"com.example.auth.DefaultProvider\"", "token_endpoint: \"https://idp.example.com/token\""};
        for (int i = 0; i < idents.length * 3; i++) {
            out.add(new Sample("src/config.py", idents[i % idents.length], null, "identifier"));
        }
        return out;
    }
}
