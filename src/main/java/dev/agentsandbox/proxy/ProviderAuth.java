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

    /** Headers the proxy or the JDK's client own, never set from the configuration. */
    private static final Set<String> RESERVED = Set.of("host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
            "content-length", "proxy-connection", "proxy-authorization", "expect", "accept-encoding", "content-type", "cookie");

    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /**
     * One allow-listed upstream with its key and the headers the configuration adds (a gateway's
     * own key header, its team or route, values read from host variables).
     */
    record Upstream(ProxyConfig.Upstream config, URI base, String key, Map<String, String> added, dev.agentsandbox.proxy.cloud.AwsSigning aws,
                    dev.agentsandbox.proxy.cloud.GcpTokens gcp, dev.agentsandbox.proxy.cloud.AzureTokens azure) {
        @Override
        public String toString() {
            return "Upstream[" + config.provider() + " " + base + "]"; // never the key
        }

        /** What of this upstream is secret: the key and the header values read from host variables. */
        List<String> secrets() {
            List<String> all = new java.util.ArrayList<>();
            all.add(key);
            for (String h : config.headerEnv().keySet()) {
                all.add(added.get(h.toLowerCase(java.util.Locale.ROOT)));
            }
            if (aws != null) {
                all.addAll(aws.secrets());
            }
            try {
                if (gcp != null) {
                    all.add(gcp.bearer());
                }
                if (azure != null) {
                    all.add(azure.bearer());
                }
            } catch (IOException | RuntimeException e) {
                // no token now: the requests that had one scrub it themselves
            }
            return all.stream().filter(v -> v != null && !v.isEmpty()).toList();
        }

        /** Whether the proxy sets this header (lower case) itself: the agent's value is dropped. */
        boolean sets(String header) {
            boolean cloud = aws != null || gcp != null || azure != null;
            if (cloud && (header.startsWith("x-http-method") || header.equals("x-method-override"))) {
                return true; // no method override reaches a cloud API
            }
            return added.containsKey(header) || key != null && header.equals(keyHeader().toLowerCase(java.util.Locale.ROOT))
                    || aws != null && (header.startsWith("x-amz-") || header.equals("authorization"))
                    || gcp != null && (header.equals("authorization") || header.startsWith("x-goog-"))
                    || (azure != null || config.provider().equals("azure")) && (header.equals("authorization") || header.equals("api-key")
                            || header.startsWith("x-ms-") || header.startsWith("azureml-") || header.startsWith("openai-"));
        }

        void close() {
            if (aws != null) {
                aws.close();
            }
        }

        String keyHeader() {
            return config.keyHeader() != null ? config.keyHeader() : KEY_HEADERS.getOrDefault(config.provider(), "Authorization");
        }

        /**
         * Puts the key and the added headers on a request to this upstream, as it expects them; for a
         * signed upstream, the signature over exactly what is sent ({@code sent}: the headers already on
         * the request, names in lower case).
         */
        List<String> authenticate(HttpRequest.Builder b, String method, URI uri, Map<String, String> sent, byte[] body) {
            added.forEach(b::setHeader);
            if (aws != null) {
                Map<String, String> signedOver = new LinkedHashMap<>(sent);
                signedOver.putAll(added);
                var signature = aws.sign(method, uri, signedOver, body);
                signature.headers().forEach(b::setHeader);
                return signature.secrets();
            }
            if (gcp != null || azure != null) {
                String token;
                try {
                    token = gcp != null ? gcp.bearer() : azure.bearer();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // refused as signing-failed, never sent without a token
                }
                b.setHeader("Authorization", "Bearer " + token);
                return List.of(token);
            }
            if (key == null) {
                return List.of();
            }
            String header = keyHeader();
            String prefix = config.keyPrefix() != null ? config.keyPrefix() : header.equalsIgnoreCase("authorization") ? "Bearer " : "";
            b.setHeader(header, prefix + key);
            return List.of();
        }
    }

    private ProviderAuth() {
    }

    /**
     * The upstreams with their keys, read now on the host; a missing key fails here, naming where
     * it was looked for and never showing a value.
     */
    static Map<String, Upstream> upstreams(ProxyConfig config, Map<String, String> env, Path folder)
            throws dev.agentsandbox.error.AgentSandboxException {
        String session = "agent-sandbox-" + folder.getFileName();
        Map<String, Upstream> ups = new LinkedHashMap<>();
        try {
            for (ProxyConfig.Upstream u : config.upstreams()) {
                Upstream up = upstream(dev.agentsandbox.proxy.cloud.CloudUpstreams.narrowed(u), env, session, folder);
                ups.put(u.provider(), up);
            }
        } catch (dev.agentsandbox.error.AgentSandboxException | RuntimeException e) {
            ups.values().forEach(Upstream::close); // the STS clients of the upstreams opened before this one
            throw e;
        }
        return ups;
    }

    private static Upstream upstream(ProxyConfig.Upstream u, Map<String, String> env, String session, Path folder)
            throws dev.agentsandbox.error.AgentSandboxException {
        for (String prefix : u.pathPrefixes()) {
            if (Target.prefixSegments(prefix) == null) {
                throw new UsageException("proxy upstream '" + u.provider() + "': path-prefixes entry '" + prefix
                        + "' is not a plain absolute path (like /v1/messages: no %, ;, //, . or .. segments, no query)");
            }
        }
        if (u.aws() != null && (u.keyEnv() != null || u.keyFile() != null)) {
            throw new UsageException("proxy upstream '" + u.provider() + "': aws signs its requests; give no key-env or key-file with it");
        }
        Upstream up = new Upstream(u, URI.create(u.url().replaceAll("/+$", "")), u.aws() != null ? null : key(u, env), added(u, env),
                u.aws() != null ? dev.agentsandbox.proxy.cloud.AwsSigning.open(u.aws(), env, session) : null,
                u.gcp() != null ? dev.agentsandbox.proxy.cloud.GcpTokens.open(u.gcp(), env) : null,
                u.azure() != null ? dev.agentsandbox.proxy.cloud.AzureTokens.open(u.azure(), env) : null);
        if (up.key() != null && up.added().containsKey(up.keyHeader().toLowerCase(java.util.Locale.ROOT))) {
            // the key would overwrite it: the provider's own key header counts as much as a key-header given
            throw new UsageException("proxy upstream '" + u.provider() + "': header " + up.keyHeader() + " carries the key; give it once"
                    + " (set key-header to the header the gateway expects the key in)");
        }
        return up;
    }

    /** The fixed and host-variable headers of an upstream, names in lower case; a name or value a request cannot carry fails here. */
    private static Map<String, String> added(ProxyConfig.Upstream u, Map<String, String> env) throws UsageException {
        String where = "proxy upstream '" + u.provider() + "'";
        if (u.keyHeader() != null) {
            header(where + ": key-header", u.keyHeader());
        }
        if (u.keyPrefix() != null && !value(u.keyPrefix())) {
            throw new UsageException(where + ": key-prefix holds a character other than printable ASCII");
        }
        Map<String, String> added = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : u.headers().entrySet()) {
            String name = header(where + ": headers." + h.getKey(), h.getKey());
            if (!value(h.getValue())) {
                throw new UsageException(where + ": the value of headers." + h.getKey() + " holds a character other than printable ASCII");
            }
            added.put(name, h.getValue());
        }
        for (Map.Entry<String, String> h : u.headerEnv().entrySet()) {
            String name = header(where + ": header-env." + h.getKey(), h.getKey());
            String v = env.get(h.getValue());
            if (v == null || v.isBlank()) {
                throw new UsageException(where + ": header-env." + h.getKey() + " names the variable " + h.getValue()
                        + ", which is not set on the host (its value stays on the host; the agent never sees it)");
            }
            if (!value(v.strip())) {
                throw new UsageException(where + ": the variable " + h.getValue() + " (header-env." + h.getKey() + ") holds a character other than printable ASCII");
            }
            if (v.strip().length() < 8) {
                // a short secret cannot be kept: its scrubbing would show the agent whether a guess was right
                throw new UsageException(where + ": the value of " + h.getValue() + " (header-env." + h.getKey() + ") is shorter than 8 characters;"
                        + " a value that is not secret belongs under headers");
            }
            if (added.put(name, v.strip()) != null) {
                throw new UsageException(where + ": header " + h.getKey() + " is in both headers and header-env");
            }
        }
        return added;
    }

    private static String header(String setting, String name) throws UsageException {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!TOKEN.matcher(name).matches()) {
            throw new UsageException(setting + ": '" + name + "' is not a header name (letters, digits and !#$%&'*+.^_`|~- only)");
        }
        if (RESERVED.contains(lower)) {
            throw new UsageException(setting + ": " + name + " is set by the proxy itself and cannot be configured");
        }
        return lower;
    }

    /** Printable ASCII (and tab) only: anything else reaches the upstream altered, or makes the request fail with the value in the error. */
    private static boolean value(String v) {
        return v.chars().allMatch(c -> c == '\t' || c >= 0x20 && c <= 0x7e);
    }

    /** The keys held, so that anything written by the run can be redacted of them. */
    static List<String> keys(Map<String, Upstream> upstreams) {
        return upstreams.values().stream().flatMap(u -> u.secrets().stream()).filter(k -> k.length() >= 8).toList();
    }

    private static String printable(ProxyConfig.Upstream u, String where, String key) throws UsageException {
        if (!value(key)) {
            throw new UsageException("proxy upstream '" + u.provider() + "': " + where + " holds a character other than printable ASCII;"
                    + " a key is sent as a header value as it is");
        }
        return key;
    }

    private static String key(ProxyConfig.Upstream u, Map<String, String> env) throws UsageException {
        if (u.keyEnv() != null && env.get(u.keyEnv()) != null && !env.get(u.keyEnv()).isBlank()) {
            return printable(u, "the variable " + u.keyEnv(), env.get(u.keyEnv()).strip());
        }
        if (u.keyFile() != null) {
            String text;
            try {
                text = Files.readString(Path.of(u.keyFile())).strip();
            } catch (IOException e) {
                throw new UsageException("proxy upstream '" + u.provider() + "': cannot read key-file " + u.keyFile() + ": " + e.getMessage());
            }
            return printable(u, "key-file " + u.keyFile(), text);
        }
        if (u.keyEnv() == null) {
            return null;
        }
        throw new UsageException("proxy upstream '" + u.provider() + "': the environment variable " + u.keyEnv()
                + " is not set on the host (the key stays on the host; the agent never sees it)");
    }
}
