package dev.agentsandbox.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * A request target as the proxy's egress policy reads it: the path as whole segments and the raw
 * query. Anything a server behind it could read differently from this proxy is refused, not
 * normalised: percent-encoding in the path (an encoded dot or slash; only {@code %3A} is read, as
 * the {@code :} it stands for, which has no part in a path's structure), {@code ;} parameters,
 * backslashes, empty segments ({@code //}, a trailing slash), {@code .} and {@code ..}, fragments,
 * and any byte outside the URI grammar.
 *
 * @param segments the path's segments, none empty
 * @param query the raw query after {@code ?}, or null
 */
record Target(List<String> segments, String query) {
    /** Why a target is refused (answered with 400). */
    static final class Ambiguous extends Exception {
        Ambiguous(String message) {
            super(message);
        }
    }

    Target {
        segments = List.copyOf(segments);
    }

    static Target parse(String raw) throws Ambiguous {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new Ambiguous("the request target must be an absolute path");
        }
        if (raw.indexOf('#') >= 0) {
            throw new Ambiguous("a fragment (#) has no place in a request target");
        }
        int q = raw.indexOf('?');
        // %3A is read as ':', which a path may hold as it is: SDKs encode a Bedrock model id's colon (…-v1:0) so
        String path = (q < 0 ? raw : raw.substring(0, q)).replace("%3A", ":").replace("%3a", ":");
        String query = q < 0 ? null : raw.substring(q + 1);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                throw new Ambiguous("percent-encoding in the path is refused (an encoded dot, slash or other character may be read"
                        + " differently upstream)");
            }
            if (c == ';' || c == '\\') {
                throw new Ambiguous("'" + c + "' in the path is refused (path parameters and backslashes are read differently by servers)");
            }
            if (!pathChar(c)) {
                throw new Ambiguous(String.format("the byte 0x%02X is not allowed in a path", (int) c));
            }
        }
        if (query != null) {
            for (int i = 0; i < query.length(); i++) {
                char c = query.charAt(i);
                if (!(pathChar(c) || c == '/' || c == '?' || c == '%' || c == ';') || c == '\\') {
                    throw new Ambiguous(String.format("the byte 0x%02X is not allowed in a query", (int) c));
                }
            }
        }
        List<String> segments = new ArrayList<>();
        if (!path.equals("/")) {
            for (String s : path.substring(1).split("/", -1)) {
                if (s.isEmpty()) {
                    throw new Ambiguous("empty path segments (// or a trailing slash) are refused");
                }
                if (s.equals(".") || s.equals("..")) {
                    throw new Ambiguous("'" + s + "' segments are refused");
                }
                segments.add(s);
            }
        }
        return new Target(segments, query);
    }

    /** RFC 3986 pchar without '%' and ';' (checked apart), plus '/'. */
    private static boolean pathChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/'
                || "-._~!$&'()*+,=:@".indexOf(c) >= 0;
    }

    /** The segments after the first (the provider's name) as a path: "/v1/messages". */
    String rest() {
        return segments.size() <= 1 ? "/" : "/" + String.join("/", segments.subList(1, segments.size()));
    }

    String provider() {
        return segments.isEmpty() ? "" : segments.get(0);
    }

    /** Whether the path after the provider starts with these whole segments. */
    boolean restStartsWith(List<String> prefix) {
        List<String> rest = segments.size() <= 1 ? List.of() : segments.subList(1, segments.size());
        return rest.size() >= prefix.size() && rest.subList(0, prefix.size()).equals(prefix);
    }

    /** The allowed-path entry "/v1/messages" as segments; null when it is not a plain absolute path. */
    static List<String> prefixSegments(String prefix) {
        try {
            Target t = parse(prefix);
            return t.query() == null ? t.segments() : null;
        } catch (Ambiguous e) {
            return null;
        }
    }

    /** The model a path names, Gemini's way ({@code .../models/gemini-2.5-pro:generateContent}) or Bedrock's ({@code /model/ID/invoke}); null when none. */
    String pathModel() {
        if (segments.size() == 4 && segments.get(1).equals("model")) {
            return segments.get(2); // provider, model, ID, operation
        }
        if (segments.size() >= 4 && segments.get(1).equals("openai") && segments.get(2).equals("deployments")) {
            return segments.get(3); // Azure bills the deployment the path names
        }
        for (int i = 0; i + 1 < segments.size(); i++) {
            String s = segments.get(i + 1);
            if (segments.get(i).equals("models") && s.indexOf(':') > 0) {
                return s.substring(0, s.indexOf(':'));
            }
        }
        return null;
    }

    String withQuery(String path) {
        return query == null ? path : path + "?" + query;
    }
}
