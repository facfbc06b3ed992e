package dev.agentsandbox.secrets;

import dev.agentsandbox.verdict.Verdict;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One kind of credential: cheap keywords that must appear (lower-case) before the regex runs,
 * the regex whose group 1 is the secret value, and an optional minimum Shannon entropy of it.
 * An {@code anchored} rule's regex starts with its keyword, then the rest of a name and an
 * assignment ({@code = : := =>}), so it is tried only where a keyword occurs and an assignment
 * follows, instead of at every position of the line (what makes generic rules affordable).
 */
public record SecretRule(String id, String description, List<String> keywords, Pattern pattern, double minEntropy, Verdict level,
                         boolean anchored) {
    public SecretRule {
        Objects.requireNonNull(id, "id");
        keywords = List.copyOf(keywords);
        if (keywords.isEmpty() || keywords.stream().anyMatch(k -> !k.equals(k.toLowerCase(java.util.Locale.ROOT)))) {
            throw new IllegalArgumentException("rule " + id + " needs lower-case keywords");
        }
        if (pattern.matcher("").groupCount() < 1) {
            throw new IllegalArgumentException("rule " + id + " needs a capturing group for the secret value");
        }
    }

    static SecretRule of(String id, String description, Verdict level, double minEntropy, String regex, String... keywords) {
        return new SecretRule(id, description, List.of(keywords), Pattern.compile(regex), minEntropy, level, false);
    }

    static SecretRule anchored(String id, String description, Verdict level, double minEntropy, String regex, String... keywords) {
        return new SecretRule(id, description, List.of(keywords), Pattern.compile(regex), minEntropy, level, true);
    }
}
