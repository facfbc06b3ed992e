package dev.agentsandbox.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The proxy section: upstreams (with a gateway's headers), registries, limits and the spend table. */
final class ProxyConfigReader {
    private final ConfigValues v;

    ProxyConfigReader(ConfigValues values) {
        this.v = values;
    }

    ProxyConfig read(JsonNode n) {
        String p = "/proxy";
        List<ProxyConfig.Upstream> ups = new ArrayList<>();
        JsonNode u = n.get("upstreams");
        if (u != null && !u.isArray()) {
            v.error(p + "/upstreams", "proxy.upstreams", "must be a list");
        } else if (u != null) {
            for (int i = 0; i < u.size(); i++) {
                String q = p + "/upstreams/" + i;
                JsonNode x = u.get(i);
                if (!v.object(x, q)) {
                    continue;
                }
                String provider = v.text(x, q, "provider");
                String url = v.text(x, q, "url");
                if (provider == null || url == null) {
                    v.error(q, "proxy.upstreams[" + i + "]", "needs provider and url");
                    continue;
                }
                String wrong = ProxyConfig.urlProblem(url);
                if (wrong != null) {
                    v.error(q + "/url", "proxy.upstreams[" + i + "].url", wrong);
                    continue;
                }
                ups.add(new ProxyConfig.Upstream(provider, url, v.strings(x, q, "path-prefixes"), v.strings(x, q, "methods"),
                        v.text(x, q, "key-env"), v.text(x, q, "key-file"), v.text(x, q, "key-header"), v.text(x, q, "key-prefix"),
                        textMap(x.get("headers"), q + "/headers"), textMap(x.get("header-env"), q + "/header-env"), aws(x.get("aws"), q + "/aws", i), gcp(x.get("gcp"), q + "/gcp", i), azure(x.get("azure"), q + "/azure", i)));
            }
        }
        return new ProxyConfig(ups, v.strings(n, p, "registries"), n.has("max-requests") ? v.integer(n, p, "max-requests") : null,
                v.size(n, p, "max-request-size"), n.has("token-budget") ? (long) v.integer(n, p, "token-budget") : null, v.bool(n, p, "record-bodies"),
                spend(n.get("spend")));
    }

    /** proxy.upstreams[i].aws: SigV4 signing (Bedrock); a region is needed, a role only with a CI token. */
    private ProxyConfig.Aws aws(JsonNode n, String p, int i) {
        if (n == null || !v.object(n, p)) {
            return null;
        }
        String region = v.text(n, p, "region");
        if (!ProxyConfig.Aws.isRegion(region)) {
            v.error(p + "/region", "proxy.upstreams[" + i + "].aws.region", "needs the AWS region of the endpoint, like us-east-1");
            return null;
        }
        String role = v.text(n, p, "role-arn");
        if (role != null && !ProxyConfig.Aws.isRoleArn(role)) {
            v.error(p + "/role-arn", "proxy.upstreams[" + i + "].aws.role-arn", "is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
            return null;
        }
        String tokenEnv = v.text(n, p, "token-env");
        String tokenFile = v.text(n, p, "token-file");
        if ((tokenEnv != null || tokenFile != null) && role == null) {
            v.error(p, "proxy.upstreams[" + i + "].aws", "token-env and token-file need role-arn: the role the CI's token is exchanged for");
            return null;
        }
        if (tokenEnv != null && tokenFile != null) {
            v.error(p, "proxy.upstreams[" + i + "].aws", "give the CI's token one way: token-env or token-file");
            return null;
        }
        String sts = v.text(n, p, "sts-endpoint");
        if (sts != null && ProxyConfig.urlProblem(sts) != null) {
            v.error(p + "/sts-endpoint", "proxy.upstreams[" + i + "].aws.sts-endpoint", ProxyConfig.urlProblem(sts));
            return null;
        }
        return new ProxyConfig.Aws(region, role, v.text(n, p, "audience"), tokenEnv, tokenFile, sts);
    }

    /** proxy.upstreams[i].gcp: Google tokens (Vertex AI); a project and region are needed, a provider only with a CI token. */
    private ProxyConfig.Gcp gcp(JsonNode n, String p, int i) {
        if (n == null || !v.object(n, p)) {
            return null;
        }
        String at = "proxy.upstreams[" + i + "].gcp";
        String project = v.text(n, p, "project");
        String region = v.text(n, p, "region");
        if (project == null || !ProxyConfig.Gcp.isRegion(region)) {
            v.error(p, at, "needs project and region (a Google Cloud location like us-east5, or global)");
            return null;
        }
        String provider = v.text(n, p, "workload-identity-provider");
        if (provider != null && !ProxyConfig.Gcp.isProvider(provider)) {
            v.error(p + "/workload-identity-provider", at + ".workload-identity-provider",
                    "is not a provider's name (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)");
            return null;
        }
        String tokenEnv = v.text(n, p, "token-env");
        String tokenFile = v.text(n, p, "token-file");
        if ((tokenEnv != null || tokenFile != null) && provider == null) {
            v.error(p, at, "token-env and token-file need workload-identity-provider: where the CI's token is exchanged");
            return null;
        }
        if (tokenEnv != null && tokenFile != null) {
            v.error(p, at, "give the CI's token one way: token-env or token-file");
            return null;
        }
        for (String k : new String[] {"sts-endpoint", "iam-endpoint"}) {
            String url = v.text(n, p, k);
            if (url != null && (!url.startsWith("https://") || ProxyConfig.urlProblem(url) != null)) {
                v.error(p + "/" + k, at + "." + k, "must be an https URL (Google's auth library sends tokens over nothing else)");
                return null;
            }
        }
        return new ProxyConfig.Gcp(project, region, provider, v.text(n, p, "service-account"), tokenEnv, tokenFile, v.text(n, p, "sts-endpoint"),
                v.text(n, p, "iam-endpoint"));
    }

    /** proxy.upstreams[i].azure: Entra ID tokens; a tenant and app registration only with a CI token. */
    private ProxyConfig.Azure azure(JsonNode n, String p, int i) {
        if (n == null || !v.object(n, p)) {
            return null;
        }
        String at = "proxy.upstreams[" + i + "].azure";
        String tenant = v.text(n, p, "tenant-id");
        String client = v.text(n, p, "client-id");
        if ((tenant == null) != (client == null) || tenant != null && (!ProxyConfig.Azure.isGuid(tenant) || !ProxyConfig.Azure.isGuid(client))) {
            v.error(p, at, "tenant-id and client-id come together, each a GUID (the app registration the CI's token is federated with)");
            return null;
        }
        String tokenEnv = v.text(n, p, "token-env");
        String tokenFile = v.text(n, p, "token-file");
        if ((tokenEnv != null || tokenFile != null) && client == null) {
            v.error(p, at, "token-env and token-file need tenant-id and client-id");
            return null;
        }
        if (tokenEnv != null && tokenFile != null) {
            v.error(p, at, "give the CI's token one way: token-env or token-file");
            return null;
        }
        String authority = v.text(n, p, "authority-host");
        if (authority != null && (!authority.startsWith("https://") || ProxyConfig.urlProblem(authority) != null)) {
            v.error(p + "/authority-host", at + ".authority-host", "must be an https URL");
            return null;
        }
        return new ProxyConfig.Azure(tenant, client, tokenEnv, tokenFile, v.text(n, p, "audience"), authority);
    }

    /** A map of text to text (header names to values or to variable names), in the order given. */
    private Map<String, String> textMap(JsonNode n, String p) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n == null || !v.object(n, p)) {
            return m;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            if (!f.getValue().isTextual()) {
                v.error(p + "/" + f.getKey(), p.substring(1).replace('/', '.') + "." + f.getKey(), "must be text");
            } else {
                m.put(f.getKey(), f.getValue().asText());
            }
        }
        return m;
    }

    private ProxyConfig.Spend spend(JsonNode n) {
        String p = "/proxy/spend";
        if (n == null || !v.object(n, p)) {
            return null;
        }
        java.math.BigDecimal cap = amount(n.get("cap"), p + "/cap", "proxy.spend.cap");
        java.util.Map<String, ProxyConfig.Price> prices = new LinkedHashMap<>();
        JsonNode t = n.get("prices");
        if (t != null && v.object(t, p + "/prices")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                var f = it.next();
                String q = p + "/prices/" + f.getKey();
                if (!v.object(f.getValue(), q)) {
                    continue;
                }
                java.math.BigDecimal in = amount(f.getValue().get("input"), q + "/input", "proxy.spend.prices." + f.getKey() + ".input");
                java.math.BigDecimal outp = amount(f.getValue().get("output"), q + "/output", "proxy.spend.prices." + f.getKey() + ".output");
                if (in != null && outp != null) {
                    prices.put(f.getKey(), new ProxyConfig.Price(in, outp));
                }
            }
        }
        if (cap == null) {
            return null;
        }
        if (prices.isEmpty()) {
            v.error(p + "/prices", "proxy.spend.prices", "a spend cap needs prices per model (per million input and output tokens; \"*\" for any other)");
            return null;
        }
        return new ProxyConfig.Spend(cap, v.text(n, p, "currency"), prices);
    }

    private java.math.BigDecimal amount(JsonNode x, String path, String name) {
        if (x == null || !x.isNumber() && !(x.isTextual() && x.asText().strip().matches("\\d+(\\.\\d+)?"))) {
            v.error(path, name, "must be an amount (a number, e.g. 5 or 2.50)");
            return null;
        }
        java.math.BigDecimal d = new java.math.BigDecimal(x.asText().strip());
        if (d.signum() < 0) {
            v.error(path, name, "must not be negative");
            return null;
        }
        return d;
    }
}
