package dev.agentsandbox.change;

import java.util.List;
import java.util.Objects;
import org.eclipse.jgit.ignore.FastIgnoreRule;

/**
 * A glob over repository-relative paths with git's own ignore-rule semantics (JGit's
 * {@link FastIgnoreRule}): {@code *} and {@code ?} stay within one folder, {@code **} crosses
 * folders, a pattern without a slash matches a name at any depth ({@code Jenkinsfile} matches
 * {@code ci/Jenkinsfile}), a leading slash anchors it, and a pattern that names a folder
 * ({@code docs}, {@code docs/}, {@code docs/**}) matches everything under it.
 */
public final class PathGlob {
    private final String pattern;
    private final FastIgnoreRule rule;

    private PathGlob(String pattern, FastIgnoreRule rule) {
        this.pattern = pattern;
        this.rule = rule;
    }

    public static PathGlob of(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        String p = pattern.strip();
        if (p.isEmpty()) {
            throw new IllegalArgumentException("an empty glob matches nothing: remove it");
        }
        if (p.startsWith("!")) {
            // In a list of what to protect, a negation would silently unprotect: list only what is meant.
            throw new IllegalArgumentException("glob '" + p + "' negates: negations are not supported here; list only the paths meant");
        }
        if (p.startsWith("#")) {
            throw new IllegalArgumentException("glob '" + p + "' is a comment in git's syntax and matches nothing: write \\# for a literal #");
        }
        return new PathGlob(pattern, new FastIgnoreRule(p));
    }

    public static List<PathGlob> all(List<String> patterns) {
        return patterns.stream().map(PathGlob::of).toList();
    }

    public static boolean anyMatches(List<PathGlob> globs, String path) {
        for (PathGlob g : globs) {
            if (g.matches(path)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a file's path (relative, with {@code /}) matches. */
    public boolean matches(String path) {
        return rule.isMatch(path, false);
    }

    public String pattern() {
        return pattern;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
