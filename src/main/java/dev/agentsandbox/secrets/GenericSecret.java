package dev.agentsandbox.secrets;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the generic rule (a high-entropy value assigned to a secret-looking name) must also see before
 * it reports: a name that means a secret, a value shaped like one, and a file where secrets live.
 * Values with a known non-secret shape (UUIDs, commit ids and other bare digests, SRI integrity
 * values, base64 images, public and test-mode keys) and names of non-secret keys (cache, sort,
 * primary, public, id, hash, …) are left alone; lock files are skipped entirely.
 */
final class GenericSecret {
    /** Names of keys that are not credentials, though they contain "key", "token" or "secret". */
    private static final Pattern NOT_SECRET_NAME = Pattern.compile("(?i).*(public|publishable|cache|sort|primary|foreign|partition|"
            + "idempoten|index|hash|sha\\d*|digest|checksum|commit|revision|uuid|guid|integrity|etag|version|fingerprint|nonce|"
            + "key_?id|keyid|_id$|\\bid$|kid$|keyboard|keyframe|keyword|keystore_?path|key_?path|key_?file|token_?type|token_?url|"
            + "token_?endpoint|expir|length|size|count|limit|name$|prefix|pattern|format|policy|_pub$|pub_|pubkey|verify_?key|verifying).*");
    private static final Pattern UUID = Pattern.compile("(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern HEX = Pattern.compile("(?i)[0-9a-f]+");
    private static final Pattern SRI = Pattern.compile("(?i)(sha256|sha384|sha512|sha1|md5)[-:=].*");

    private GenericSecret() {
    }

    /** The kind of file a line comes from, as far as secrets go. */
    enum FileKind {
        CODE, TEST, DOCS, LOCKFILE;

        static FileKind of(String path) {
            if (path == null) {
                return CODE;
            }
            String p = path.toLowerCase(Locale.ROOT);
            String name = p.substring(p.lastIndexOf('/') + 1);
            if (name.endsWith(".lock") || name.equals("package-lock.json") || name.equals("npm-shrinkwrap.json") || name.equals("go.sum")
                    || name.equals("pnpm-lock.yaml") || name.equals("yarn.lock") || name.equals("gradle.lockfile") || name.endsWith(".sum")) {
                return LOCKFILE;
            }
            if (p.matches("(^|.*/)(tests?|__tests__|spec|specs|testdata|fixtures?|__fixtures__|mocks?)/.*")
                    || name.matches(".*([._-]test|[._-]spec|_tests?)\\.[a-z0-9]+$") || name.startsWith("test_")) {
                return TEST;
            }
            if (name.endsWith(".md") || name.endsWith(".rst") || name.endsWith(".adoc") || p.matches("(^|.*/)docs?/.*")) {
                return DOCS;
            }
            return CODE;
        }
    }

    /** Whether the generic rule reports {@code value} assigned to {@code name} in a file of this kind. */
    static boolean reports(String name, String value, FileKind kind) {
        if (kind == FileKind.LOCKFILE || NOT_SECRET_NAME.matcher(name).matches()) {
            return false;
        }
        String v = value;
        if (UUID.matcher(v).matches() || SRI.matcher(v).matches()) {
            return false;
        }
        if (HEX.matcher(v).matches() && (v.length() == 32 || v.length() == 40 || v.length() == 64 || v.length() == 128)
                && !strongName(name)) {
            return false; // a digest or commit id under a name that does not say secret
        }
        if (v.startsWith("iVBORw0KGgo") || v.startsWith("/9j/") || v.startsWith("R0lGOD") || v.startsWith("UklGR") || v.startsWith("PHN2Zy")) {
            return false; // base64 of PNG, JPEG, GIF, WebP, SVG
        }
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.startsWith("sk_test_") || lower.startsWith("pk_test_") || lower.startsWith("pk_live_") || lower.startsWith("rk_test_")
                || lower.startsWith("ssh-") || lower.startsWith("ecdsa-") || lower.startsWith("aaaab3nza") || lower.startsWith("aaaac3nza")) {
            return false; // test-mode or publishable keys, public keys
        }
        int classes = (v.chars().anyMatch(Character::isLowerCase) ? 1 : 0) + (v.chars().anyMatch(Character::isUpperCase) ? 1 : 0)
                + (v.chars().anyMatch(Character::isDigit) ? 1 : 0);
        if (classes < 2) {
            return false; // words-with-dashes, all-caps constants, bare numbers
        }
        if (v.matches("[A-Za-z]+([._-][A-Za-z]+)+") || v.matches("[A-Za-z][a-z]+([A-Z][a-z]+)+")) {
            return false; // dotted, dashed or camelCase identifiers
        }
        if ((kind == FileKind.TEST || kind == FileKind.DOCS) && SecretScanner.entropy(v) < 4.0) {
            return false; // fixtures and examples need a stronger signal
        }
        return true;
    }

    /** Names that say secret outright: even a bare hex digest under them is reported. */
    private static boolean strongName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("secret") || n.contains("passw") || n.contains("pwd") || n.contains("private") || n.contains("credential")
                || n.contains("api_key") || n.contains("apikey") || n.contains("api-key") || n.contains("auth");
    }
}
