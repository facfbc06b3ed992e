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
 * @param spend a budget in money, priced per model; null: none
 */
public record ProxyConfig(List<Upstream> upstreams, List<String> registries, Integer maxRequests, Long maxRequestBytes,
                          Long tokenBudget, Boolean recordBodies, Spend spend) {
    public ProxyConfig(List<Upstream> upstreams, List<String> registries, Integer maxRequests, Long maxRequestBytes,
                       Long tokenBudget, Boolean recordBodies) {
        this(upstreams, registries, maxRequests, maxRequestBytes, tokenBudget, recordBodies, null);
    }

    /**
     * {@code proxy.spend}: the run stops when what its model requests cost reaches {@code cap}.
     *
     * @param cap the most the run may spend, in {@code currency}
     * @param currency a label for the amounts (e.g. USD); never converted
     * @param prices per model name (or "*" for any other): price per million input and output tokens
     */
    public record Spend(java.math.BigDecimal cap, String currency, java.util.Map<String, Price> prices) {
        public Spend {
            currency = currency == null ? "USD" : currency;
            prices = prices == null ? java.util.Map.of() : java.util.Map.copyOf(prices);
            if (cap == null || cap.signum() <= 0) {
                throw new IllegalArgumentException("proxy.spend.cap must be a positive amount");
            }
        }

        /** The price of a model, or null when the table has none for it (nor a "*" row). */
        public Price price(String model) {
            return model != null && prices.containsKey(model) ? prices.get(model) : prices.get("*");
        }

        /** What a request's usage cost. */
        public java.math.BigDecimal cost(Price price, long inputTokens, long outputTokens) {
            return price.input().multiply(java.math.BigDecimal.valueOf(inputTokens)).add(price.output().multiply(java.math.BigDecimal.valueOf(outputTokens)))
                    .divide(java.math.BigDecimal.valueOf(1_000_000), 6, java.math.RoundingMode.HALF_UP);
        }
    }

    /** Price per million tokens. */
    public record Price(java.math.BigDecimal input, java.math.BigDecimal output) {
        public Price {
            if (input == null || output == null || input.signum() < 0 || output.signum() < 0) {
                throw new IllegalArgumentException("a price needs input and output, per million tokens, not negative");
            }
        }
    }
    /**
     * One allowed upstream.
     *
     * @param provider "anthropic", "openai", or another name
     * @param url base URL of the upstream (scheme, host, port)
     * @param pathPrefixes allowed path prefixes (empty: any)
     * @param methods allowed methods (empty: POST and GET)
     * @param keyEnv host environment variable holding the key
     * @param keyFile file holding the key (used when keyEnv is unset)
     * @param keyHeader the header the key goes in (null: the provider's own; a gateway's may differ)
     * @param keyPrefix what precedes the key in it (null: "Bearer " in Authorization, else nothing)
     * @param headers fixed headers sent on every request (a gateway's team or route); the agent's are dropped
     * @param headerEnv headers whose values are read from these host variables, kept from the agent like the key
     */
    public record Upstream(String provider, String url, List<String> pathPrefixes, List<String> methods, String keyEnv, String keyFile,
                           String keyHeader, String keyPrefix, java.util.Map<String, String> headers, java.util.Map<String, String> headerEnv,
                           Aws aws, Gcp gcp, Azure azure) {
        /** An upstream signed for AWS or given Google tokens, or neither. */
        public Upstream(String provider, String url, List<String> pathPrefixes, List<String> methods, String keyEnv, String keyFile,
                        String keyHeader, String keyPrefix, java.util.Map<String, String> headers, java.util.Map<String, String> headerEnv,
                        Aws aws, Gcp gcp) {
            this(provider, url, pathPrefixes, methods, keyEnv, keyFile, keyHeader, keyPrefix, headers, headerEnv, aws, gcp, null);
        }

        /** An upstream signed for AWS, or neither signed nor given cloud tokens. */
        public Upstream(String provider, String url, List<String> pathPrefixes, List<String> methods, String keyEnv, String keyFile,
                        String keyHeader, String keyPrefix, java.util.Map<String, String> headers, java.util.Map<String, String> headerEnv, Aws aws) {
            this(provider, url, pathPrefixes, methods, keyEnv, keyFile, keyHeader, keyPrefix, headers, headerEnv, aws, null, null);
        }

        /** An upstream without cloud signing. */
        public Upstream(String provider, String url, List<String> pathPrefixes, List<String> methods, String keyEnv, String keyFile,
                        String keyHeader, String keyPrefix, java.util.Map<String, String> headers, java.util.Map<String, String> headerEnv) {
            this(provider, url, pathPrefixes, methods, keyEnv, keyFile, keyHeader, keyPrefix, headers, headerEnv, null, null, null);
        }

        public Upstream {
            pathPrefixes = pathPrefixes == null ? List.of() : List.copyOf(pathPrefixes);
            methods = methods == null || methods.isEmpty() ? List.of("POST", "GET") : List.copyOf(methods);
            headers = headers == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
            headerEnv = headerEnv == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headerEnv));
        }

        /** A provider's own API, its key in the provider's own header. */
        public Upstream(String provider, String url, List<String> pathPrefixes, List<String> methods, String keyEnv, String keyFile) {
            this(provider, url, pathPrefixes, methods, keyEnv, keyFile, null, null, null, null);
        }
    }

    /**
     * An upstream whose requests the proxy signs with AWS SigV4 (Amazon Bedrock): the region, and
     * where the credentials come from. Without {@code roleArn}: the AWS SDK's default chain on the
     * host (variables, profile, a web identity token file, the container or instance role). With it:
     * the CI's OIDC token exchanged for that role through STS ({@code AssumeRoleWithWebIdentity}),
     * the token read from {@code tokenEnv} or {@code tokenFile}, else requested from GitHub Actions;
     * {@code stsEndpoint}: a private (VPC) STS endpoint instead of the SDK's default.
     */
    public record Aws(String region, String roleArn, String audience, String tokenEnv, String tokenFile, String stsEndpoint) {
        public static final String DEFAULT_AUDIENCE = "sts.amazonaws.com";

        public Aws(String region, String roleArn, String audience, String tokenEnv, String tokenFile) {
            this(region, roleArn, audience, tokenEnv, tokenFile, null);
        }

        public String audienceOrDefault() {
            return audience != null ? audience : DEFAULT_AUDIENCE;
        }

        /** Whether this is an AWS region's name (us-east-1, eu-central-2, us-gov-west-1). */
        public static boolean isRegion(String region) {
            return region != null && region.matches("[a-z]{2}(-[a-z]+)+-[0-9]+");
        }

        /** Whether this is an IAM role's ARN. */
        public static boolean isRoleArn(String arn) {
            return arn != null && arn.matches("arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+");
        }
    }

    /**
     * An upstream the proxy gives Google OAuth access tokens (Vertex AI): the project and region the
     * agent may use, and where the tokens come from. Without {@code workloadIdentityProvider}: the
     * host's application default credentials. With it: the CI's OIDC token exchanged through Google's
     * STS (workload identity federation), then for {@code serviceAccount}'s token when one is named;
     * the token read from {@code tokenEnv} or {@code tokenFile}, else requested from GitHub Actions.
     * {@code stsEndpoint} and {@code iamEndpoint}: private endpoints instead of Google's.
     */
    public record Gcp(String project, String region, String workloadIdentityProvider, String serviceAccount, String tokenEnv, String tokenFile,
                      String stsEndpoint, String iamEndpoint) {
        /** Whether this is a Google Cloud location's name (us-east5, europe-west1, global). */
        public static boolean isRegion(String region) {
            return region != null && (region.equals("global") || region.matches("[a-z]+-[a-z]+[0-9]+"));
        }

        /** Whether this is a workload identity pool provider's resource name. */
        public static boolean isProvider(String name) {
            return name != null && name.matches("projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+");
        }
    }

    /**
     * An upstream the proxy gives Entra ID tokens (Azure OpenAI, AI Foundry). Without {@code clientId}:
     * Azure's default credential chain on the host (its variables, workload identity's token file, a
     * managed identity). With it: the CI's OIDC token as a federated client assertion for that app
     * registration in {@code tenantId}, read from {@code tokenEnv} or {@code tokenFile}, else requested
     * from GitHub Actions; {@code authorityHost}: another Entra endpoint (a sovereign cloud).
     */
    public record Azure(String tenantId, String clientId, String tokenEnv, String tokenFile, String audience, String authorityHost) {
        public static final String DEFAULT_AUDIENCE = "api://AzureADTokenExchange";

        public String audienceOrDefault() {
            return audience != null ? audience : DEFAULT_AUDIENCE;
        }

        /** Whether this is a tenant's or an application's GUID. */
        public static boolean isGuid(String id) {
            return id != null && id.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
        }
    }

    /**
     * What is wrong with an upstream's address, or null: only http(s) with a host, and nothing that
     * makes the text say another host than the one reached (user info) or hides a part (query, fragment).
     */
    public static String urlProblem(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            return "is not a URL (" + e.getReason() + "): write scheme://host[:port][/path]";
        }
        if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https")) || uri.getHost() == null) {
            return "must be an http:// or https:// URL with a host, not '" + url + "'";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not hold user info (the part before @): the host reached would not be the one a reader sees; put credentials in key-env";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "must not hold a query (?) or fragment (#): give the base URL only";
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.contains("%") || path.contains(";") || path.contains("//") || path.matches(".*(^|/)\\.{1,2}(/.*|$)")) {
            return "must have a plain path (no %-escapes, ';', '//', '.' or '..' segments): a server that tidies it would route elsewhere";
        }
        return null;
    }

    public static final ProxyConfig DEFAULT = new ProxyConfig(null, null, null, null, null, null, null);

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
