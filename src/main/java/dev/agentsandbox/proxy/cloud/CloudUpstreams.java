package dev.agentsandbox.proxy.cloud;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.net.URI;
import java.util.List;

/**
 * What an upstream with cloud credentials may be: its configuration narrowed to the one API the
 * proxy relays for that cloud (Bedrock's runtime, Vertex AI's publisher models, Azure OpenAI's
 * inference), over https to that cloud's hosts (or a loopback stand-in), and with no configured
 * header that the credentials own. Anything wider is refused before the agent starts.
 */
public final class CloudUpstreams {
    private CloudUpstreams() {
    }

    /** The upstream narrowed for its cloud, or unchanged when it has no cloud credentials. */
    public static ProxyConfig.Upstream narrowed(ProxyConfig.Upstream u) throws UsageException {
        if (u.azure() == null && u.provider().equals("azure")) {
            return azureKey(u);
        }
        return u.aws() != null ? signed(u) : u.gcp() != null ? vertex(u) : u.azure() != null ? azure(u) : u;
    }

    /** Azure OpenAI with an api-key: the same paths and hosts as with Entra tokens, the key in api-key. */
    private static ProxyConfig.Upstream azureKey(ProxyConfig.Upstream u) throws UsageException {
        String where = "proxy upstream 'azure' (api-key)";
        azureHost(where, u.url());
        if (u.pathPrefixes().stream().anyMatch(p -> AZURE_PATHS.stream().noneMatch(a -> p.equals(a) || p.startsWith(a + "/")))) {
            throw new UsageException(where + ": path-prefixes may only narrow " + AZURE_PATHS + "; no other Azure API is relayed");
        }
        return new ProxyConfig.Upstream(u.provider(), u.url(), u.pathPrefixes().isEmpty() ? AZURE_PATHS : u.pathPrefixes(), List.of("POST"),
                u.keyEnv(), u.keyFile(), u.keyHeader() != null ? u.keyHeader() : "api-key", u.keyHeader() != null ? u.keyPrefix() : "", u.headers(),
                u.headerEnv(), null, null, null);
    }

    /** An https Azure OpenAI host (public, government or China cloud) with no path, or a loopback stand-in. */
    private static void azureHost(String where, String url) throws UsageException {
        URI uri = URI.create(url);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
        boolean azureHost = List.of(".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com", ".openai.azure.us",
                ".cognitiveservices.azure.us", ".openai.azure.cn", ".cognitiveservices.azure.cn").stream().anyMatch(host::endsWith);
        boolean noPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
        if (!loopback(host) && (!"https".equalsIgnoreCase(uri.getScheme()) || !azureHost || !noPath)) {
            throw new UsageException(where + ": url " + url + " is not an https Azure OpenAI endpoint without a path (like"
                    + " https://RESOURCE.openai.azure.com); its credentials go nowhere else");
        }
    }

    static boolean loopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
    }

    private static String hostOf(String url) {
        URI uri = URI.create(url);
        return uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * An upstream the proxy signs for AWS: only Bedrock's runtime (POST under /model), over https to an
     * AWS host of its region, or a loopback stand-in; no configured header may be one the signature owns.
     */
    static ProxyConfig.Upstream signed(ProxyConfig.Upstream u) throws UsageException {
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
        boolean loopback = loopback(host);
        if (!loopback && (!"https".equalsIgnoreCase(uri.getScheme()) || !(host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn"))
                || !host.contains("." + u.aws().region() + "."))) {
            throw new UsageException(where + ": url " + u.url() + " is not an https AWS endpoint of region " + u.aws().region()
                    + " (like https://bedrock-runtime." + u.aws().region() + ".amazonaws.com); signed requests go nowhere else");
        }
        if (u.aws().stsEndpoint() != null) {
            URI sts = URI.create(u.aws().stsEndpoint());
            String h = sts.getHost() == null ? "" : sts.getHost().toLowerCase(java.util.Locale.ROOT);
            boolean local = loopback(h);
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
                u.keyEnv(), u.keyFile(), u.keyHeader(), u.keyPrefix(), u.headers(), u.headerEnv(), u.aws(), null, null);
    }

    /**
     * An upstream given Google tokens: only Vertex AI's model operations of its project and region
     * (POST under /v1/projects/P/locations/R/publishers), over https to Google's endpoint or a
     * loopback stand-in; no configured header may carry authorization.
     */
    static ProxyConfig.Upstream vertex(ProxyConfig.Upstream u) throws UsageException {
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
        boolean loopback = loopback(host);
        String regional = g.region().equals("global") ? "aiplatform.googleapis.com" : g.region() + "-aiplatform.googleapis.com";
        if (!loopback && (!"https".equalsIgnoreCase(uri.getScheme()) || !host.equals(regional) || uri.getRawPath() != null
                && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
            throw new UsageException(where + ": url " + u.url() + " is not Vertex AI's https endpoint (like https://" + g.region()
                    + "-aiplatform.googleapis.com); its tokens go nowhere else");
        }
        for (String h : u.headers().keySet()) {
            if (h.equalsIgnoreCase("authorization")) {
                throw new UsageException(where + ": header Authorization carries the token and cannot be configured");
            }
        }
        for (String e : new String[] {g.stsEndpoint(), g.iamEndpoint()}) {
            String eh = e == null ? null : hostOf(e);
            if (eh != null && !loopback(eh) && !(eh.equals("sts.googleapis.com") || eh.equals("iamcredentials.googleapis.com")
                    || eh.endsWith(".p.googleapis.com"))) {
                throw new UsageException(where + ": " + e + " is not Google's STS or IAM credentials endpoint (or a private one, *.p.googleapis.com);"
                        + " the CI's token goes nowhere else");
            }
        }
        if (g.serviceAccount() != null && !g.serviceAccount().matches("[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam\\.gserviceaccount\\.com")) {
            throw new UsageException(where + ": service-account '" + g.serviceAccount() + "' is not a service account's email (NAME@PROJECT.iam.gserviceaccount.com)");
        }
        if (u.keyEnv() != null || u.keyFile() != null) {
            throw new UsageException(where + ": gcp gives the requests their token; give no key-env or key-file with it");
        }
        return new ProxyConfig.Upstream(u.provider(), u.url(), u.pathPrefixes().isEmpty() ? List.of(prefix) : u.pathPrefixes(), List.of("POST"),
                null, null, u.keyHeader(), u.keyPrefix(), u.headers(), u.headerEnv(), null, g, null);
    }

    /** The paths of Azure OpenAI's inference APIs (deployment-scoped and v1) the proxy relays with an Entra token. */
    static final List<String> AZURE_PATHS = List.of("/openai/deployments", "/openai/responses", "/openai/v1/responses", "/openai/v1/chat/completions",
            "/anthropic/v1/messages");

    /**
     * An upstream given Entra tokens: Azure OpenAI's inference paths only, over https to an Azure
     * OpenAI / AI Foundry / AI services host or a loopback stand-in; no configured header may carry
     * authorization or a key.
     */
    static ProxyConfig.Upstream azure(ProxyConfig.Upstream u) throws UsageException {
        String where = "proxy upstream '" + u.provider() + "' (azure)";
        if (u.pathPrefixes().stream().anyMatch(p -> AZURE_PATHS.stream().noneMatch(a -> p.equals(a) || p.startsWith(a + "/")))) {
            throw new UsageException(where + ": path-prefixes may only narrow " + AZURE_PATHS + "; no other Azure API is relayed");
        }
        azureHost(where, u.url());
        for (String h : u.headers().keySet()) {
            if (h.equalsIgnoreCase("authorization") || h.equalsIgnoreCase("api-key")) {
                throw new UsageException(where + ": header " + h + " carries the token and cannot be configured");
            }
        }
        String authority = u.azure().authorityHost() == null ? null : hostOf(u.azure().authorityHost());
        if (authority != null && !loopback(authority) && !List.of("login.microsoftonline.com", "login.microsoftonline.us",
                "login.chinacloudapi.cn", "login.partner.microsoftonline.cn").contains(authority)) {
            throw new UsageException(where + ": authority-host " + u.azure().authorityHost() + " is not an Entra ID endpoint; the CI's token goes nowhere else");
        }
        if (u.keyEnv() != null || u.keyFile() != null) {
            throw new UsageException(where + ": azure gives the requests an Entra token; give no key-env or key-file with it (for an api-key, drop azure"
                    + " and set key-header: api-key)");
        }
        return new ProxyConfig.Upstream(u.provider(), u.url(), u.pathPrefixes().isEmpty() ? AZURE_PATHS : u.pathPrefixes(), List.of("POST"),
                null, null, u.keyHeader(), u.keyPrefix(), u.headers(), u.headerEnv(), null, null, u.azure());
    }

    private static void ownedBySignature(String where, String header) throws UsageException {
        String h = header.toLowerCase(java.util.Locale.ROOT);
        if (h.equals("authorization") || h.startsWith("x-amz-")) {
            throw new UsageException(where + ": header " + header + " belongs to the request's signature and cannot be configured");
        }
    }
}
