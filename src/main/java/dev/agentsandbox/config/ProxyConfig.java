package dev.agentsandbox.config;

import java.util.List;

/**
 * The model-API egress proxy. Disabled when no upstream is listed: the sandbox then has no way out.
 *
 * @param upstreams allow-listed model APIs
 * @param registries hosts reachable through CONNECT (package registries); empty: none
 * @param maxRequests most requests a run may make
 * @param maxRequestBytes largest request body
 * @param tokenBudget most tokens (input + output, from the providers' usage fields) per run; 0: no limit
 * @param recordBodies whether request and response bodies are audited (redacted)
 */
public record ProxyConfig(List<Upstream> upstreams, List<String> registries, Integer maxRequests, Long maxRequestBytes,
                          Long tokenBudget, Boolean recordBodies) {
    /**
     * One allowed upstream.
     *
     * @param provider "anthropic", "openai", or another name
     * @param url base URL of the upstream (scheme, host, port)
     * @param pathPrefixes allowed path prefixes (empty: any)
     * @param methods allowed methods (empty: POST and GET)
     * @param keyEnv host environment variable holding the key
     * @param keyFile file holding the key (used when keyEnv is unset)
     */
    public record Upstream(String provider, String url, List<String> pathPrefixes, List<String> methods, String keyEnv, String keyFile) {
        public Upstream {
            pathPrefixes = pathPrefixes == null ? List.of() : List.copyOf(pathPrefixes);
            methods = methods == null || methods.isEmpty() ? List.of("POST", "GET") : List.copyOf(methods);
        }
    }

    public static final ProxyConfig DEFAULT = new ProxyConfig(null, null, null, null, null, null);

    public ProxyConfig {
        upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
        registries = registries == null ? List.of() : List.copyOf(registries);
        maxRequests = maxRequests == null ? 1000 : maxRequests;
        maxRequestBytes = maxRequestBytes == null ? 4L << 20 : maxRequestBytes;
        tokenBudget = tokenBudget == null ? 0L : tokenBudget;
        recordBodies = recordBodies != null && recordBodies;
    }

    public boolean enabled() {
        return !upstreams.isEmpty() || !registries.isEmpty();
    }
}
