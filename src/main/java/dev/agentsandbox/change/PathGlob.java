package dev.agentsandbox.change;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A gitignore-like glob over repository-relative paths: {@code *} and {@code ?} stay within one
 * folder, {@code **} crosses folders, a pattern without a slash matches the file name at any
 * depth ({@code Jenkinsfile} matches {@code ci/Jenkinsfile}), and a pattern ending in {@code /**}
 * matches everything under that folder.
 */
public final class PathGlob {
    private final String pattern;
    private final Pattern regex;

    private PathGlob(String pattern, Pattern regex) {
        this.pattern = pattern;
        this.regex = regex;
    }

    public static PathGlob of(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        String p = pattern.strip();
        if (p.isEmpty()) {
            throw new IllegalArgumentException("an empty glob matches nothing: remove it");
        }
        if (p.startsWith("/")) {
            p = p.substring(1);
        } else if (!p.contains("/")) {
            p = "**/" + p;
        }
        return new PathGlob(pattern, Pattern.compile(toRegex(p), Pattern.DOTALL));
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

    public boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    public String pattern() {
        return pattern;
    }

    private static String toRegex(String glob) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i);
            if (glob.startsWith("**/", i)) {
                re.append("(?:.*/)?");
                i += 3;
            } else if (glob.startsWith("/**", i) && i + 3 == glob.length()) {
                re.append("/.*");
                i += 3;
            } else if (glob.startsWith("**", i)) {
                re.append(".*");
                i += 2;
            } else if (c == '*') {
                re.append("[^/]*");
                i++;
            } else if (c == '?') {
                re.append("[^/]");
                i++;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
                i++;
            }
        }
        return re.toString();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
