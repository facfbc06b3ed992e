package dev.agentsandbox.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Finds credentials in lines. As in gitleaks, a keyword prefilter runs first: one Aho-Corasick
 * pass over the line finds every rule keyword, and only rules whose keyword is there run their
 * regex (an anchored rule's only where its keyword starts), so ordinary code costs one pass a line.
 */
public final class SecretScanner {
    private static final Set<String> PLACEHOLDERS = Set.of("example", "changeme", "xxxxxxxx", "placeholder", "dummy", "your_", "your-",
            "redacted", "<", "${", "{{", "$(", "********", "process.env", "os.environ", "getenv");
    private static final ThreadLocal<KeywordIndex.Starts> STARTS = ThreadLocal.withInitial(KeywordIndex.Starts::new);
    private final List<SecretRule> rules;
    private final KeywordIndex keywords;

    public SecretScanner(List<SecretRule> rules) {
        this.rules = List.copyOf(rules);
        this.keywords = new KeywordIndex(this.rules);
    }

    public static SecretScanner defaults() {
        return new SecretScanner(SecretRules.defaults());
    }

    public List<SecretMatch> scan(String line) {
        return scan(line, GenericSecret.FileKind.CODE);
    }

    /** The secrets in a line of the file at {@code path} (its kind tunes the generic rule). */
    public List<SecretMatch> scan(String path, String line) {
        return scan(line, GenericSecret.FileKind.of(path));
    }

    private List<SecretMatch> scan(String line, GenericSecret.FileKind kind) {
        KeywordIndex.Starts starts = STARTS.get();
        starts.clear();
        long candidates = keywords.scan(line, starts);
        if (candidates == 0) {
            return List.of();
        }
        List<SecretMatch> out = new ArrayList<>(1);
        for (int r = 0; r < rules.size(); r++) {
            if ((candidates & (1L << r)) == 0) {
                continue;
            }
            SecretRule rule = rules.get(r);
            if (rule.anchored()) {
                Matcher m = null;
                for (int i = 0; i < starts.size(); i++) {
                    if (starts.rule(i) != r || !assignmentFollows(line, starts.end(i))) {
                        continue;
                    }
                    m = m == null ? rule.pattern().matcher(line) : m;
                    if (m.region(starts.start(i), line.length()).lookingAt()
                            && GenericSecret.reports(identifierAround(line, m.start()), m.group(1), kind)) {
                        accept(rule, m, out);
                    }
                }
            } else {
                Matcher m = rule.pattern().matcher(line);
                while (m.find()) {
                    if (!knownExample(rule, m.group(1))) {
                        accept(rule, m, out);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            return out;
        }
        String redacted = redact(line, out);
        return out.stream().map(x -> new SecretMatch(x.rule(), x.start(), x.end(), x.fingerprint(), redacted)).toList();
    }

    /**
     * What an anchored rule's regex requires right after its keyword, checked by hand first: the
     * rest of a name ([A-Za-z0-9_-]*), an optional quote, blanks, an operator (= : := =>), blanks,
     * an optional quote and at least {@value #MIN_VALUE} value characters. Most keywords in code
     * ("token bucket", "/api/v1", "password == null") fail here without a regex run; whatever
     * passes still has to match the regex.
     */
    static boolean assignmentFollows(String line, int from) {
        int n = line.length();
        int i = from;
        while (i < n && nameChar(line.charAt(i))) {
            i++;
        }
        if (i < n && quote(line.charAt(i))) {
            i++;
        }
        i = blanks(line, i);
        if (i >= n) {
            return false;
        }
        char op = line.charAt(i);
        if (op != '=' && op != ':') {
            return false;
        }
        if (valueFollows(line, i + 1)) {
            return true;
        }
        // ":=" and "=>" are operators of two characters.
        return i + 1 < n && ((op == ':' && line.charAt(i + 1) == '=') || (op == '=' && line.charAt(i + 1) == '>')) && valueFollows(line, i + 2);
    }

    private static final int MIN_VALUE = 16;

    private static boolean valueFollows(String line, int from) {
        int i = blanks(line, from);
        if (i < line.length() && quote(line.charAt(i))) {
            i++;
        }
        int start = i;
        while (i < line.length() && i - start < MIN_VALUE && valueChar(line.charAt(i))) {
            i++;
        }
        return i - start >= MIN_VALUE;
    }

    private static int blanks(String line, int i) {
        while (i < line.length() && (line.charAt(i) == ' ' || (line.charAt(i) >= '\t' && line.charAt(i) <= '\r'))) {
            i++;
        }
        return i;
    }

    private static boolean nameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static boolean valueChar(char c) {
        return nameChar(c) || c == '+' || c == '/' || c == '=' || c == '.' || c == '~';
    }

    private static boolean quote(char c) {
        return c == '"' || c == '\'';
    }

    /** The whole name the keyword at {@code at} is part of ("public_key" for the "key" in it). */
    static String identifierAround(String line, int at) {
        int s = at;
        while (s > 0 && (nameChar(line.charAt(s - 1)) || line.charAt(s - 1) == '.')) {
            s--;
        }
        int e = at;
        while (e < line.length() && nameChar(line.charAt(e))) {
            e++;
        }
        return line.substring(s, e);
    }

    /** The JWT every tutorial shows (jwt.io's): public, never a credential. */
    private static final String JWT_IO_EXAMPLE_PAYLOAD = "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";

    private static boolean knownExample(SecretRule rule, String value) {
        return rule.id().equals("jwt") && value.contains(JWT_IO_EXAMPLE_PAYLOAD);
    }

    private static void accept(SecretRule rule, Matcher m, List<SecretMatch> out) {
        String value = m.group(1);
        if (overlaps(out, m.start(1), m.end(1)) || placeholder(value) || entropy(value) < rule.minEntropy()) {
            return;
        }
        out.add(new SecretMatch(rule, m.start(1), m.end(1), fingerprint(value), null));
    }

    /** The line with every secret found in it replaced; the line itself when there is none. */
    public String redact(String line) {
        List<SecretMatch> found = scan(line);
        return found.isEmpty() ? line : found.get(0).redactedLine();
    }

    private static String redact(String line, List<SecretMatch> found) {
        List<SecretMatch> sorted = new ArrayList<>(found);
        sorted.sort((a, b) -> Integer.compare(b.start(), a.start()));
        StringBuilder sb = new StringBuilder(line);
        for (SecretMatch m : sorted) {
            sb.replace(m.start(), m.end(), "[REDACTED:" + m.rule().id() + "]");
        }
        return sb.toString();
    }

    private static boolean overlaps(List<SecretMatch> found, int start, int end) {
        for (SecretMatch m : found) {
            if (start < m.end() && m.start() < end) {
                return true;
            }
        }
        return false;
    }

    static boolean placeholder(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        for (String p : PLACEHOLDERS) {
            if (v.contains(p)) {
                return true;
            }
        }
        return false;
    }

    static double entropy(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        int[] counts = new int[128];
        int other = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 128) {
                counts[c]++;
            } else {
                other++;
            }
        }
        double h = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / s.length();
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        if (other > 0) {
            double p = (double) other / s.length();
            h -= p * Math.log(p) / Math.log(2);
        }
        return h;
    }

    public static String fingerprint(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
