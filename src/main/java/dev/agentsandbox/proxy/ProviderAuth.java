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
                    dev.agentsandbox.proxy.cloud.GcpTokens gcp) {
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
            if (gcp != null) {
                try {
                    all.add(gcp.bearer());
                } catch (IOException | RuntimeException e) {
                    // no token now: the requests that had one scrub it themselves
                }
            }
            return all.stream().filter(v -> v != null && !v.isEmpty()).toList();
        }

        /** Whether the proxy sets this header (lower case) itself: the agent's value is dropped. */
        boolean sets(String header) {
            return added.containsKey(header) || key != null && header.equals(keyHeader().toLowerCase(java.util.Locale.ROOT))
                    || aws != null && (header.startsWith("x-amz-") || header.equals("authorization"))
                    || gcp != null && (header.equals("authorization") || header.equals("x-goog-user-project"));
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
            if (gcp != null) {
                String token;
                try {
                    token = gcp.bearer();
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
                Upstream up = upstream(u.aws() != null ? signed(u) : u.gcp() != null ? vertex(u) : u, env, session, folder);
                ups.put(u.provider(), up);
            }
        } catch (dev.agentsandbox.error.AgentSandboxException | RuntimeException e) {
            ups.values().forEach(Upstream::close); // the STS clients of the upstreams opened before this one
            throw e;
        }
        return ups;
    }

    /**
     * An upstream the proxy signs for AWS: only Bedrock's runtime (POST under /model), over https to an
     * AWS host of its region, or a loopback stand-in; no configured header may be one the signature owns.
     */
    private static ProxyConfig.Upstream signed(ProxyConfig.Upstream u) throws UsageException {
        String where = "proxy upstream '" + u.provider() + "' (aws)";
        if (u.pathPrefixes().stream().anyMatch(p -> !p.equals("/model") && !p.startsWith("/model/"))) {
            throw new UsageException(where + ": path-prefixes may only narrow /model (Bedrock's runtime operations); no other AWS API is relayed");
        }
        // the default (POST, GET) is narrowed to POST; anything else named is refused
        if (u.methods().stream().anyMatch(m -> !m.equals("POST")) && !u.methods().equals(List.of("POST", "GET"))) {
            throw new UsageException(where + ": methods may only be POST");
        }
        URI uri = URI.create(u.url());
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]") || host.equals("::1");
        if (!loopback && (!"https".equalsIgnoreCase(uri.getScheme()) || !(host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn"))
                || !host.contains("." + u.aws().region() + "."))) {
            throw new UsageException(where + ": url " + u.url() + " is not an https AWS endpoint of region " + u.aws().region()
                    + " (like https://bedrock-runtime." + u.aws().region() + ".amazonaws.com); signed requests go nowhere else");
        }
        if (u.aws().stsEndpoint() != null) {
            URI sts = URI.create(u.aws().stsEndpoint());
            String h = sts.getHost() == null ? "" : sts.getHost().toLowerCase(java.util.Locale.ROOT);
            boolean local = h.equals("127.0.0.1") || h.equals("localhost") || h.equals("::1") || h.equals("[::1]");
            if (!local && (!"https".equalsIgnoreCase(sts.getScheme()) || !(h.endsWith(".amazonaws.com") || h.endsWith(".amazonaws.com.cn")))) {
                throw new UsageException(where + ": sts-endpoint " + u.aws().stsEndpoint() + " is not an https AWS endpoint; the CI's token goes nowhere else");
            }
        }
        for (String h : u.headers().keySet().stream().toList()) {
            ownedBySignature(where, h);
        }
        for (String h : u.headerEnv().keySet()) {
            ownedBySignature(where, h);
        }
        return new ProxyConfig.Upstream(u.provider(), u.url(), u.pathPrefixes().isEmpty() ? List.of("/model") : u.pathPrefixes(), List.of("POST"),
                u.keyEnv(), u.keyFile(), u.keyHeader(), u.keyPrefix(), u.headers(), u.headerEnv(), u.aws());
    }

    /**
     * An upstream given Google tokens: only Vertex AI's model operations of its project and region
     * (POST under /v1/projects/P/locations/R/publishers), over https to Google's endpoint or a
     * loopback stand-in; no configured header may carry authorization.
     */
    private static ProxyConfig.Upstream vertex(ProxyConfig.Upstream u) throws UsageException {
        String where = "proxy upstream '" + u.provider() + "' (gcp)";
        ProxyConfig.Gcp g = u.gcp();
        if (g.project() == null || !g.project().matches("[a-z][a-z0-9-]{4,28}[a-z0-9]") || !ProxyConfig.Gcp.isRegion(g.region())) {
            throw new UsageException(where + ": needs the Google Cloud project id and region the agent may use (like my-project and us-east5)");
        }
        String prefix = "/v1/projects/" + g.project() + "/locations/" + g.region() + "/publishers";
        if (u.pathPrefixes().stream().anyMatch(p -> !p.equals(prefix) && !p.startsWith(prefix + "/"))) {
            throw new UsageException(where + ": path-prefixes may only narrow " + prefix + "; no other Google API is relayed");
        }
        URI uri = URI.create(u.url());
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
        if (!loopback && (!"https".equalsIgnoreCase(uri.getScheme()) || !host.endsWith("aiplatform.googleapis.com"))) {
            throw new UsageException(where + ": url " + u.url() + " is not Vertex AI's https endpoint (like https://" + g.region()
                    + "-aiplatform.googleapis.com); its tokens go nowhere else");
        }
        for (String h : u.headers().keySet()) {
            if (h.equalsIgnoreCase("authorization")) {
                throw new UsageException(where + ": header Authorization carries the token and cannot be configured");
            }
        }
        if (u.keyEnv() != null || u.keyFile() != null) {
            throw new UsageException(where + ": gcp gives the requests their token; give no key-env or key-file with it");
        }
        return new ProxyConfig.Upstream(u.provider(), u.url(), u.pathPrefixes().isEmpty() ? List.of(prefix) : u.pathPrefixes(), List.of("POST"),
                null, null, u.keyHeader(), u.keyPrefix(), u.headers(), u.headerEnv(), null, g);
    }

    private static void ownedBySignature(String where, String header) throws UsageException {
        String h = header.toLowerCase(java.util.Locale.ROOT);
        if (h.equals("authorization") || h.startsWith("x-amz-")) {
            throw new UsageException(where + ": header " + header + " belongs to the request's signature and cannot be configured");
        }
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
                u.gcp() != null ? dev.agentsandbox.proxy.cloud.GcpTokens.open(u.gcp(), env, folder) : null);
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
