package dev.agentsandbox.proxy.cloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OAuth access tokens for Vertex AI from Google's auth library, never a hand-written flow: the host's
 * application default credentials, or the CI's OIDC token exchanged through Google's STS (workload
 * identity federation, an {@code external_account} configuration as {@code gcloud} writes one) and,
 * when a service account is named, for its token. The library renews the token before it expires,
 * fetching a fresh CI token each time. Resolved once before the agent starts, so a refused exchange
 * stops the run there with Google's reason. Only the proxy holds the tokens.
 */
public final class GcpTokens {
    public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GoogleCredentials credentials;
    private final Map<String, String> identity = new LinkedHashMap<>();

    private GcpTokens(GoogleCredentials credentials) {
        this.credentials = credentials;
    }

    /** @param dir a private folder of the run, for a token a variable holds (the library reads tokens from files or URLs) */
    public static GcpTokens open(ProxyConfig.Gcp gcp, Map<String, String> env, Path dir) throws UsageException, RefusedException {
        GcpTokens t;
        try {
            if (gcp.workloadIdentityProvider() == null) {
                t = new GcpTokens(GoogleCredentials.getApplicationDefault().createScoped(List.of(SCOPE)));
                t.identity.put("credentials", "application default credentials on the host");
            } else {
                String audience = "//iam.googleapis.com/" + gcp.workloadIdentityProvider();
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("type", "external_account");
                config.put("audience", audience);
                config.put("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
                config.put("token_url", gcp.stsEndpoint() != null ? gcp.stsEndpoint() : "https://sts.googleapis.com/v1/token");
                if (gcp.serviceAccount() != null) {
                    config.put("service_account_impersonation_url", (gcp.iamEndpoint() != null ? gcp.iamEndpoint() : "https://iamcredentials.googleapis.com")
                            + "/v1/projects/-/serviceAccounts/" + gcp.serviceAccount() + ":generateAccessToken");
                }
                config.put("credential_source", source(gcp, env, dir, "https:" + audience));
                t = new GcpTokens(ExternalAccountCredentials.fromStream(new ByteArrayInputStream(JSON.writeValueAsBytes(config)))
                        .createScoped(List.of(SCOPE)));
                t.identity.put("credentials", "the CI's OIDC token exchanged through Google's STS (workload identity federation)");
                t.identity.put("workload-identity-provider", gcp.workloadIdentityProvider());
                if (gcp.serviceAccount() != null) {
                    t.identity.put("service-account", gcp.serviceAccount());
                }
            }
        } catch (IOException e) {
            throw new RefusedException("proxy upstream (vertex): no Google credentials: " + dev.agentsandbox.console.SafeText.line(String.valueOf(e.getMessage()), 400));
        }
        t.identity.put("project", String.valueOf(gcp.project()));
        t.identity.put("region", String.valueOf(gcp.region()));
        try {
            t.bearer();
        } catch (IOException | RuntimeException e) {
            throw new RefusedException("proxy upstream (vertex): Google refused the credentials"
                    + (gcp.workloadIdentityProvider() != null ? " of " + gcp.workloadIdentityProvider() : "") + ": "
                    + dev.agentsandbox.console.SafeText.line(reason(e), 500));
        }
        return t;
    }

    /** Where the library reads the CI's token: GitHub's request URL, a file, or a private file holding a variable's token. */
    private static Map<String, Object> source(ProxyConfig.Gcp gcp, Map<String, String> env, Path dir, String githubAudience)
            throws UsageException, IOException {
        if (gcp.tokenFile() != null) {
            return Map.of("file", gcp.tokenFile());
        }
        if (gcp.tokenEnv() != null) {
            String v = env.get(gcp.tokenEnv());
            if (v == null || v.isBlank()) {
                throw new UsageException("the CI token variable " + gcp.tokenEnv() + " is not set (GitLab: id_tokens: { " + gcp.tokenEnv()
                        + ": { aud: " + githubAudience + " } } in the job)");
            }
            Path f = dir.resolve("gcp-oidc-token");
            Files.deleteIfExists(f);
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(f, v.strip());
            return Map.of("file", f.toString());
        }
        String url = env.get("ACTIONS_ID_TOKEN_REQUEST_URL");
        String bearer = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        if (url == null || bearer == null) {
            throw new UsageException("workload-identity-provider needs the CI's OIDC token: on GitHub give the job permissions: id-token: write"
                    + " (ACTIONS_ID_TOKEN_REQUEST_URL is not set); elsewhere name it with token-env or token-file");
        }
        return Map.of("url", url + (url.contains("?") ? "&" : "?") + "audience=" + URLEncoder.encode(githubAudience, StandardCharsets.UTF_8),
                "headers", Map.of("Authorization", "Bearer " + bearer), "format", Map.of("type", "json", "subject_token_field_name", "value"));
    }

    /** The library's message with its causes' (it wraps the server's error code in them). */
    static String reason(Throwable e) {
        StringBuilder b = new StringBuilder();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && seen.add(t.getMessage())) {
                b.append(b.length() == 0 ? "" : ": ").append(t.getMessage());
            }
        }
        return b.toString();
    }

    /** A valid access token, renewed by the library when it is about to expire; throws when it cannot be had. */
    public String bearer() throws IOException {
        credentials.refreshIfExpired();
        return credentials.getAccessToken().getTokenValue();
    }

    /** Which project, region and identity the proxy uses; never a token. */
    public Map<String, String> identity() {
        return Map.copyOf(identity);
    }
}
