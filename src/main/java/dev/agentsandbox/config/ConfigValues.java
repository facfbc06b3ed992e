package dev.agentsandbox.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The values of a configuration tree, read and checked one by one: each problem is kept with its
 * file, line and column (and every problem is reported at once). The structure itself (which
 * keys exist, their types) is the published JSON Schema's, checked by {@link SchemaCheck}.
 */
final class ConfigValues {
    private record Problem(String pointer, int line, int column, String text) {
    }

    private final String source;
    private final Map<String, JsonLocation> locations;
    private final List<Problem> problems = new ArrayList<>();

    ConfigValues(String source, Map<String, JsonLocation> locations) {
        this.source = source;
        this.locations = locations;
    }

    /** An unknown key, with the nearest known one as a suggestion. */
    void unknownKey(String path, String k, Collection<String> allowed) {
        String hint = allowed.stream().min(Comparator.comparingInt(a -> distance(a, k))).filter(a -> distance(a, k) <= 2)
                .map(a -> " (did you mean '" + a + "'?)").orElse(" (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
        error(path + "/" + k, key(path + "/" + k), "unknown key '" + k + "'" + hint);
    }

    /** Whether a problem was already reported at this place or around it (a value's own check says more than the schema). */
    boolean reported(String pointer) {
        return problems.stream().anyMatch(p -> p.pointer().equals(pointer) || pointer.startsWith(p.pointer() + "/")
                || p.pointer().startsWith(pointer + "/"));
    }

    void throwIfErrors() throws ConfigException {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder(problems.size() == 1 ? "" : problems.size() + " problems in " + source + ":\n");
        problems.stream().sorted(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column)).forEach(p ->
                sb.append(source).append(':').append(p.line()).append(':').append(p.column()).append(": ").append(p.text()).append('\n'));
        throw new ConfigException(sb.toString().strip());
    }


    boolean object(JsonNode n, String path) {
        if (!n.isObject()) {
            error(path, key(path), "must be a mapping of keys to values");
            return false;
        }
        return true;
    }

    String text(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            error(path + "/" + key, key(path + "/" + key), "must be a string");
            return null;
        }
        return v.asText();
    }

    /** A list of path globs (git's ignore-rule syntax), each checked. */
    List<String> globs(JsonNode n, String path, String key) {
        List<String> out = strings(n, path, key);
        for (int i = 0; out != null && i < out.size(); i++) {
            try {
                dev.agentsandbox.change.PathGlob.of(out.get(i));
            } catch (IllegalArgumentException e) {
                error(path + "/" + key + "/" + i, key(path + "/" + key), e.getMessage());
            }
        }
        return out;
    }

    Boolean bool(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            error(path + "/" + key, key(path + "/" + key), "'" + v.asText() + "' is not true or false");
            return null;
        }
        return v.booleanValue();
    }

    Integer integer(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) {
            error(path + "/" + key, key(path + "/" + key), "'" + v.asText() + "' is not a whole number >= 0");
            return null;
        }
        return v.intValue();
    }

    Double number(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (!v.isNumber() || v.asDouble() <= 0) {
            error(path + "/" + key, key(path + "/" + key), "'" + v.asText() + "' is not a number > 0");
            return null;
        }
        return v.doubleValue();
    }

    Long size(JsonNode n, String path, String key) {
        return parsed(n, path, key, Sizes::parse);
    }

    Duration duration(JsonNode n, String path, String key) {
        return parsed(n, path, key, Durations::parse);
    }

    <T> T parsed(JsonNode n, String path, String key, Function<String, T> f) {
        String s = text(n, path, key);
        if (s == null) {
            return null;
        }
        try {
            return f.apply(s);
        } catch (IllegalArgumentException e) {
            error(path + "/" + key, key(path + "/" + key), e.getMessage());
            return null;
        }
    }

    List<String> strings(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            error(path + "/" + key, key(path + "/" + key), "must be a list of strings");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isValueNode() || v.get(i).isNull()) {
                error(path + "/" + key + "/" + i, key(path + "/" + key) + "[" + i + "]", "must be a string");
            } else {
                out.add(v.get(i).asText());
            }
        }
        return out;
    }

    /** A command is a list (argv) or a string (run with sh -c). */
    List<String> command(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return List.of("sh", "-c", v.asText());
        }
        return strings(n, path, key);
    }

    void error(String path, String key, String text) {
        JsonLocation loc = locations.get(path);
        String parent = path;
        while (loc == null && parent.contains("/")) {
            parent = parent.substring(0, parent.lastIndexOf('/'));
            loc = locations.get(parent);
        }
        int line = loc == null ? 1 : loc.getLineNr();
        int col = loc == null ? 1 : loc.getColumnNr();
        problems.add(new Problem(path, line, col, (key.isEmpty() ? "" : key + ": ") + text));
    }

    static String key(String path) {
        return path.replaceFirst("^/", "").replace('/', '.');
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
