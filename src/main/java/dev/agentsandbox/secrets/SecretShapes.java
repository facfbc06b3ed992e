package dev.agentsandbox.secrets;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials in other shapes than their own: split across adjacent string literals, base64 or hex
 * encoded (decoded once), reversed, or rot13. Each view is scanned with the token rules only (those
 * whose shape is the credential's own, like {@code ghp_…}), never the keyword rules, so that a view
 * adds no decoys of its own; a find names the part of the original line to redact.
 */
public final class SecretShapes {
    /** A credential found in another shape: the rule, the shape, and the span of the original line that holds it. */
    public record Hidden(SecretRule rule, String shape, int start, int end, String fingerprint) {
    }

    private static final Pattern JOINED = Pattern.compile("([\"'])([^\"'\\\\]{1,200})\\1(?:\\s*\\+?\\s*([\"'])([^\"'\\\\]{1,200})\\3){1,8}");
    private static final Pattern LITERAL = Pattern.compile("([\"'])([^\"'\\\\]{1,200})\\1");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/_-]{24,}={0,2}");
    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2}){16,}");

    private SecretShapes() {
    }

    public static List<Hidden> find(SecretScanner scanner, String line) {
        List<Hidden> out = new ArrayList<>();
        Matcher j = adjacentLiterals(line) ? JOINED.matcher(line) : null;
        while (j != null && j.find()) {
            StringBuilder joined = new StringBuilder();
            Matcher lit = LITERAL.matcher(j.group());
            while (lit.find()) {
                joined.append(lit.group(2));
            }
            whole(scanner, joined.toString(), "split across string literals", j.start(), j.end(), out);
        }
        // every token rule's value is a run of 20 or more token characters: a line without one hides none
        boolean tokenRun = longestRun(line, false) >= 20;
        Matcher b = longestRun(line, true) >= 24 ? BASE64.matcher(line) : null;
        while (b != null && b.find()) {
            String bare = b.group().replace("=", "");
            if (bare.length() % 4 == 1) {
                continue; // no base64 has this length
            }
            byte[] decoded;
            try {
                // without padding, both alphabets: the URL-safe decoder takes - and _, the basic one + and /
                String padded = bare + "=".repeat((4 - bare.length() % 4) % 4);
                decoded = bare.indexOf('-') >= 0 || bare.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(padded) : Base64.getDecoder().decode(padded);
            } catch (IllegalArgumentException e) {
                continue;
            }
            text(decoded).ifPresent(t -> whole(scanner, t, "base64-encoded", b.start(), b.end(), out));
        }
        Matcher h = tokenRun ? HEX.matcher(line) : null;
        while (h != null && h.find()) {
            text(HexFormat.of().parseHex(h.group())).ifPresent(t -> whole(scanner, t, "hex-encoded", h.start(), h.end(), out));
        }
        if (!tokenRun) {
            return out;
        }
        String reversed = new StringBuilder(line).reverse().toString();
        for (SecretMatch m : tokens(scanner, reversed)) {
            out.add(new Hidden(m.rule(), "reversed", line.length() - m.end(), line.length() - m.start(), m.fingerprint()));
        }
        for (SecretMatch m : tokens(scanner, rot13(line))) {
            out.add(new Hidden(m.rule(), "rot13", m.start(), m.end(), m.fingerprint()));
        }
        return out;
    }

    /** The longest run of token characters (letters, digits, _ and -; with + / = too for base64). */
    private static int longestRun(String line, boolean base64) {
        int best = 0;
        int run = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            boolean in = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (base64 && (c == '+' || c == '/' || c == '='));
            run = in ? run + 1 : 0;
            best = Math.max(best, run);
        }
        return best;
    }

    /** Whether a quote closes and another opens with only blanks or a '+' between: the one shape JOINED can match. */
    private static boolean adjacentLiterals(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != '"' && c != '\'') {
                continue;
            }
            int k = i + 1;
            while (k < line.length() && (line.charAt(k) == ' ' || line.charAt(k) == '\t' || line.charAt(k) == '+')) {
                k++;
            }
            if (k > i + 1 && k < line.length() && (line.charAt(k) == '"' || line.charAt(k) == '\'')) {
                return true;
            }
        }
        return false;
    }

    /** The line with every hidden credential's span replaced. */
    public static String redact(SecretScanner scanner, String line) {
        List<Hidden> found = find(scanner, line);
        if (found.isEmpty()) {
            return line;
        }
        found.sort((a, b) -> Integer.compare(b.start(), a.start()));
        StringBuilder sb = new StringBuilder(line);
        int limit = Integer.MAX_VALUE;
        for (Hidden x : found) {
            if (x.end() <= limit) {
                sb.replace(x.start(), x.end(), "[REDACTED:" + x.rule().id() + "]");
                limit = x.start();
            }
        }
        return sb.toString();
    }

    private static void whole(SecretScanner scanner, String view, String shape, int start, int end, List<Hidden> out) {
        for (SecretMatch m : tokens(scanner, view)) {
            out.add(new Hidden(m.rule(), shape, start, end, m.fingerprint()));
            return;
        }
    }

    private static List<SecretMatch> tokens(SecretScanner scanner, String view) {
        return scanner.scan(view).stream().filter(m -> !m.rule().anchored()).toList();
    }

    /** Decoded bytes as text, when they are printable ASCII (binary data is no credential's shape). */
    private static java.util.Optional<String> text(byte[] bytes) {
        for (byte c : bytes) {
            if (c < 0x20 || c > 0x7e) {
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.of(new String(bytes, StandardCharsets.US_ASCII));
    }

    static String rot13(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            b.append(c >= 'a' && c <= 'z' ? (char) ('a' + (c - 'a' + 13) % 26) : c >= 'A' && c <= 'Z' ? (char) ('A' + (c - 'A' + 13) % 26) : c);
        }
        return b.toString();
    }
}
