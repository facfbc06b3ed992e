package dev.agentsandbox.proxy;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the proxy authenticates to each model provider: the key read on the host (from the
 * variable or file the configuration names), the client's own credentials stripped, and the key
 * injected the way the provider expects it (the table below). The key never reaches the sandbox.
 */
final class ProviderAuth {
    /** Request headers never passed on: credentials, hop-by-hop headers, and what the proxy sets itself. */
    static final Set<String> DROPPED = Set.of("authorization", "x-api-key", "api-key", "x-goog-api-key", "proxy-authorization", "cookie",
            "host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length", "proxy-connection",
            "accept-encoding", "expect");

    /** Providers whose API takes the key in a header of its own; every other one takes {@code Authorization: Bearer}. */
    private static final Map<String, String> KEY_HEADERS = Map.of("anthropic", "x-api-key", "gemini", "x-goog-api-key");

    /** One allow-listed upstream with its key. */
    record Upstream(ProxyConfig.Upstream config, URI base, String key) {
        @Override
        public String toString() {
            return "Upstream[" + config.provider() + " " + base + "]"; // never the key
        }

        /** Puts the key on a request to this upstream, as its provider expects it. */
        void authenticate(HttpRequest.Builder b) {
            if (key == null) {
                return;
            }
            String header = KEY_HEADERS.get(config.provider());
            if (header != null) {
                b.header(header, key);
            } else {
                b.header("Authorization", "Bearer " + key);
            }
        }
    }

    private ProviderAuth() {
    }

    /**
     * The upstreams with their keys, read now on the host; a missing key fails here, naming where
     * it was looked for and never showing a value.
     */
    static Map<String, Upstream> upstreams(ProxyConfig config, Map<String, String> env) throws UsageException {
        Map<String, Upstream> ups = new LinkedHashMap<>();
        for (ProxyConfig.Upstream u : config.upstreams()) {
            for (String prefix : u.pathPrefixes()) {
                if (Target.prefixSegments(prefix) == null) {
                    throw new UsageException("proxy upstream '" + u.provider() + "': path-prefixes entry '" + prefix
                            + "' is not a plain absolute path (like /v1/messages: no %, ;, //, . or .. segments, no query)");
                }
            }
            ups.put(u.provider(), new Upstream(u, URI.create(u.url().replaceAll("/+$", "")), key(u, env)));
        }
        return ups;
    }

    /** The keys held, so that anything written by the run can be redacted of them. */
    static List<String> keys(Map<String, Upstream> upstreams) {
        return upstreams.values().stream().map(Upstream::key).filter(k -> k != null && k.length() >= 8).toList();
    }

    private static String key(ProxyConfig.Upstream u, Map<String, String> env) throws UsageException {
        if (u.keyEnv() != null && env.get(u.keyEnv()) != null && !env.get(u.keyEnv()).isBlank()) {
            return env.get(u.keyEnv()).strip();
        }
        if (u.keyFile() != null) {
            try {
                return Files.readString(Path.of(u.keyFile())).strip();
            } catch (IOException e) {
                throw new UsageException("proxy upstream '" + u.provider() + "': cannot read key-file " + u.keyFile() + ": " + e.getMessage());
            }
        }
        if (u.keyEnv() == null) {
            return null;
        }
        throw new UsageException("proxy upstream '" + u.provider() + "': the environment variable " + u.keyEnv()
                + " is not set on the host (the key stays on the host; the agent never sees it)");
    }
}
