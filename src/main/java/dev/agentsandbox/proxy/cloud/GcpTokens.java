package dev.agentsandbox.proxy.cloud;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdentityPoolCredentials;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OAuth access tokens for Vertex AI from Google's auth library, never a hand-written flow: the host's
 * application default credentials, or the CI's OIDC token exchanged through Google's STS (workload
 * identity federation: the library's identity pool credentials, the CI token handed to it from this
 * process's memory) and, when a service account is named, for its token. The library renews the token before it expires,
 * fetching a fresh CI token each time. Resolved once before the agent starts, so a refused exchange
 * stops the run there with Google's reason. Only the proxy holds the tokens.
 */
public final class GcpTokens {
    public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

    private final GoogleCredentials credentials;
    private final Map<String, String> identity = new LinkedHashMap<>();

    private GcpTokens(GoogleCredentials credentials) {
        this.credentials = credentials;
    }

    public static GcpTokens open(ProxyConfig.Gcp gcp, Map<String, String> env) throws UsageException, RefusedException {
        GcpTokens t;
        try {
            if (gcp.workloadIdentityProvider() == null) {
                t = new GcpTokens(GoogleCredentials.getApplicationDefault().createScoped(List.of(SCOPE)));
                t.identity.put("credentials", "application default credentials on the host");
            } else {
                String audience = "//iam.googleapis.com/" + gcp.workloadIdentityProvider();
                // the CI's token stays in this process: read when the library asks for it, never written where the sandbox mounts files
                CiToken ci = CiToken.of(gcp.tokenEnv(), gcp.tokenFile(), "https:" + audience, env);
                var b = IdentityPoolCredentials.newBuilder().setAudience(audience).setSubjectTokenType("urn:ietf:params:oauth:token-type:jwt")
                        .setTokenUrl(gcp.stsEndpoint() != null ? gcp.stsEndpoint() : "https://sts.googleapis.com/v1/token")
                        .setSubjectTokenSupplier(context -> {
                            try {
                                return ci.token();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IOException("interrupted while reading the CI token", e);
                            } catch (RefusedException e) {
                                throw new IOException(e.getMessage(), e);
                            }
                        });
                if (gcp.serviceAccount() != null) {
                    b.setServiceAccountImpersonationUrl((gcp.iamEndpoint() != null ? gcp.iamEndpoint() : "https://iamcredentials.googleapis.com")
                            + "/v1/projects/-/serviceAccounts/" + gcp.serviceAccount() + ":generateAccessToken");
                }
                t = new GcpTokens(b.build().createScoped(List.of(SCOPE)));
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
