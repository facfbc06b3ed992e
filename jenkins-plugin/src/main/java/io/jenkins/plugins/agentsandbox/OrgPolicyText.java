package io.jenkins.plugins.agentsandbox;

import java.util.List;

/**
 * The organisation policy file a run gets from the controller's configuration: the administrator's
 * data classes as written, and an {@code allow:} section built from the lists, every value a JSON
 * string (valid YAML flow), so nothing in a value can add a key.
 */
final class OrgPolicyText {
    private OrgPolicyText() {
    }

    /** The policy text, or null when nothing is configured. */
    static String of(List<String> images, List<String> tiers, List<String> backends, List<String> providers, String dataClasses) {
        boolean allow = !images.isEmpty() || !tiers.isEmpty() || !backends.isEmpty() || !providers.isEmpty();
        if (!allow && dataClasses == null) {
            return null;
        }
        if (dataClasses != null && dataClasses.lines().anyMatch(l -> l.startsWith("allow:"))) {
            throw new IllegalArgumentException("the data classes hold an allow: section; give the allowed images, tiers, backends and"
                    + " providers in their own fields instead");
        }
        StringBuilder b = new StringBuilder();
        if (dataClasses != null) {
            b.append(dataClasses).append('\n');
        }
        if (allow) {
            b.append("allow:\n");
            list(b, "images", images);
            list(b, "tiers", tiers);
            list(b, "backends", backends);
            list(b, "providers", providers);
        }
        return b.toString();
    }

    private static void list(StringBuilder b, String key, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        b.append("  ").append(key).append(": [");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(json(values.get(i)));
        }
        b.append("]\n");
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
