package dev.agentsandbox.gate.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Finds credentials in lines. As in gitleaks, a keyword prefilter runs first: the line is
 * lower-cased once, each distinct keyword is searched once, and only rules whose keyword is
 * there run their regex, so ordinary code costs a few indexOf calls a line.
 */
public final class SecretScanner {
    private static final Set<String> PLACEHOLDERS = Set.of("example", "changeme", "xxxxxxxx", "placeholder", "dummy", "your_", "your-",
            "redacted", "<", "${", "{{", "$(", "********", "process.env", "os.environ", "getenv");
    private final List<SecretRule> rules;
    private final String[] keywords;
    private final int[][] rulesByKeyword;

    public SecretScanner(List<SecretRule> rules) {
        this.rules = List.copyOf(rules);
        Map<String, List<Integer>> index = new LinkedHashMap<>();
        for (int i = 0; i < this.rules.size(); i++) {
            for (String k : this.rules.get(i).keywords()) {
                index.computeIfAbsent(k, x -> new ArrayList<>()).add(i);
            }
        }
        keywords = index.keySet().toArray(String[]::new);
        rulesByKeyword = index.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    public static SecretScanner defaults() {
        return new SecretScanner(SecretRules.defaults());
    }

    public List<SecretMatch> scan(String line) {
        String lower = lowerAscii(line);
        boolean[] candidate = null;
        for (int k = 0; k < keywords.length; k++) {
            if (lower.indexOf(keywords[k]) >= 0) {
                if (candidate == null) {
                    candidate = new boolean[rules.size()];
                }
                for (int r : rulesByKeyword[k]) {
                    candidate[r] = true;
                }
            }
        }
        if (candidate == null) {
            return List.of();
        }
        List<SecretMatch> out = new ArrayList<>(1);
        for (int r = 0; r < rules.size(); r++) {
            if (!candidate[r]) {
                continue;
            }
            SecretRule rule = rules.get(r);
            Matcher m = rule.pattern().matcher(line);
            while (m.find()) {
                String value = m.group(1);
                if (overlaps(out, m.start(1), m.end(1)) || placeholder(value) || entropy(value) < rule.minEntropy()) {
                    continue;
                }
                out.add(new SecretMatch(rule, m.start(1), m.end(1), fingerprint(value), null));
            }
        }
        if (out.isEmpty()) {
            return out;
        }
        String redacted = redact(line, out);
        return out.stream().map(x -> new SecretMatch(x.rule(), x.start(), x.end(), x.fingerprint(), redacted)).toList();
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

    private static String lowerAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z' || c >= 128) {
                return s.toLowerCase(Locale.ROOT);
            }
        }
        return s;
    }
}
