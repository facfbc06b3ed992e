package dev.agentsandbox.proxy.cloud;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entra ID access tokens for Azure OpenAI / AI Foundry from Azure's identity library, never a
 * hand-written flow: its default chain on the host (variables, workload identity's token file, a
 * managed identity), or the CI's OIDC token as a federated client assertion for an app registration.
 * A token is renewed five minutes before it expires, with a fresh CI token. Resolved once before the
 * agent starts, so a refusal stops the run there with Entra's reason. Only the proxy holds tokens.
 */
public final class AzureTokens {
    public static final String SCOPE = "https://cognitiveservices.azure.com/.default";

    private final TokenCredential credential;
    private final TokenRequestContext request = new TokenRequestContext().addScopes(SCOPE);
    private final Map<String, String> identity = new LinkedHashMap<>();
    private AccessToken token;

    private AzureTokens(TokenCredential credential) {
        this.credential = credential;
    }

    public static AzureTokens open(ProxyConfig.Azure az, Map<String, String> env) throws UsageException, RefusedException {
        HttpClient http = new JdkHttpClientBuilder().build();
        AzureTokens t;
        if (az.clientId() == null) {
            t = new AzureTokens(new DefaultAzureCredentialBuilder().httpClient(http).build());
            t.identity.put("credentials", "Azure's default credential chain on the host");
        } else {
            CiToken ci = CiToken.of(az.tokenEnv(), az.tokenFile(), az.audienceOrDefault(), env);
            var b = new ClientAssertionCredentialBuilder().tenantId(az.tenantId()).clientId(az.clientId()).httpClient(http).clientAssertion(ci.unchecked());
            if (az.authorityHost() != null) {
                b.authorityHost(az.authorityHost()).disableInstanceDiscovery();
            }
            t = new AzureTokens(b.build());
            t.identity.put("credentials", "the CI's OIDC token (" + ci.source() + ") as a federated client assertion");
            t.identity.put("tenant", az.tenantId());
            t.identity.put("client", az.clientId());
            t.identity.put("audience", az.audienceOrDefault());
        }
        try {
            t.bearer();
        } catch (RuntimeException e) {
            throw new RefusedException("proxy upstream (azure): Entra ID refused the credentials" + (az.clientId() != null ? " of app " + az.clientId()
                    + " in tenant " + az.tenantId() : "") + ": " + dev.agentsandbox.console.SafeText.line(GcpTokens.reason(e), 500));
        }
        return t;
    }

    /** A valid access token, renewed five minutes before it expires; throws when none can be had. */
    public synchronized String bearer() {
        if (token == null || token.getExpiresAt().isBefore(OffsetDateTime.now().plusMinutes(5))) {
            AccessToken fresh = credential.getTokenSync(request);
            if (fresh == null) {
                throw new IllegalStateException("Entra ID gave no token");
            }
            token = fresh;
        }
        return token.getToken();
    }

    /** Which tenant, app and audience the proxy uses; never a token. */
    public Map<String, String> identity() {
        return Map.copyOf(identity);
    }
}
