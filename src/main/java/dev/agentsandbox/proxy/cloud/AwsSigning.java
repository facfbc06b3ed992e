package dev.agentsandbox.proxy.cloud;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Signs the proxy's requests to an AWS endpoint (Amazon Bedrock) with the AWS SDK's own SigV4
 * signer, never a hand-written one. Credentials come from the SDK's default chain, or from the CI's
 * OIDC token exchanged for a role through STS; the SDK renews them before they expire, so a long run
 * keeps signing. They are resolved once before the agent starts, so a refused exchange stops the run
 * there, saying why. Nothing of them reaches the sandbox.
 */
public final class AwsSigning implements AutoCloseable {
    public static final String SERVICE = "bedrock";
    /** Headers the JDK's client sets itself, never passed to it (the signer signs the Host it will send). */
    private static final Set<String> JDK_OWNED = Set.of("host", "content-length", "connection");

    private final ProxyConfig.Aws settings;
    private final AwsCredentialsProvider credentials;
    private final SdkAutoCloseable sts;
    private final Map<String, String> identity = new LinkedHashMap<>();

    private AwsSigning(ProxyConfig.Aws settings, AwsCredentialsProvider credentials, SdkAutoCloseable sts) {
        this.settings = settings;
        this.credentials = credentials;
        this.sts = sts;
    }

    /** The signing for an upstream, its credentials resolved now; a refusal names the setting and the cloud's reason. */
    public static AwsSigning open(ProxyConfig.Aws aws, Map<String, String> env, String session)
            throws UsageException, RefusedException {
        AwsSigning s;
        if (aws.roleArn() == null) {
            s = new AwsSigning(aws, DefaultCredentialsProvider.builder().build(), null);
            s.identity.put("credentials", "the AWS SDK's default chain on the host");
        } else {
            CiToken token = CiToken.of(aws.tokenEnv(), aws.tokenFile(), aws.audienceOrDefault(), env);
            var b = StsClient.builder().region(Region.of(aws.region())).httpClient(UrlConnectionHttpClient.create())
                    .credentialsProvider(AnonymousCredentialsProvider.create());
            // a private STS endpoint from the settings, else the SDK's own variable for one
            String endpoint = aws.stsEndpoint() != null ? aws.stsEndpoint() : env.get("AWS_ENDPOINT_URL_STS");
            if (endpoint != null && !endpoint.isBlank()) {
                b.endpointOverride(URI.create(endpoint));
            }
            StsClient client = b.build();
            Map<String, String> seen = new LinkedHashMap<>();
            String name = session.replaceAll("[^\\w+=,.@-]", "-");
            var exchange = StsAssumeRoleWithWebIdentityCredentialsProvider.builder().stsClient(client).asyncCredentialUpdateEnabled(false)
                    .refreshRequest(() -> {
                        String jwt = token.unchecked().get();
                        synchronized (seen) {
                            seen.putAll(CiToken.claims(jwt));
                        }
                        return AssumeRoleWithWebIdentityRequest.builder().roleArn(aws.roleArn()).roleSessionName(name.substring(0, Math.min(64, name.length())))
                                .webIdentityToken(jwt).build();
                    }).build();
            s = new AwsSigning(aws, exchange, client);
            s.identity.put("credentials", "the CI's OIDC token (" + token.source() + ") exchanged through STS");
            s.identity.put("role", aws.roleArn());
            s.resolve(exchange);
            synchronized (seen) {
                seen.forEach((k, v) -> s.identity.put("token-" + k, v));
            }
            return s;
        }
        s.resolve(s.credentials);
        return s;
    }

    private void resolve(AwsCredentialsProvider p) throws RefusedException {
        try {
            AwsCredentials c = p.resolveCredentials();
            identity.put("accessKeyId", c.accessKeyId());
        } catch (SdkException | IllegalStateException | UncheckedIOException e) {
            close();
            String why = e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a && a.awsErrorDetails() != null
                    ? (settings.roleArn() != null ? "STS refused the exchange: " : "") + a.awsErrorDetails().errorCode() + ": " + a.awsErrorDetails().errorMessage()
                    : String.valueOf(e.getMessage());
            throw new RefusedException("proxy upstream (bedrock, region " + settings.region() + "): no AWS credentials"
                    + (settings.roleArn() != null ? " for role " + settings.roleArn() : " from the default chain") + ": "
                    + dev.agentsandbox.console.SafeText.line(why, 400));
        }
    }

    /** Who the proxy signs as: the role, the token's subject and audience, the key id; never a secret. */
    public Map<String, String> identity() {
        return Map.copyOf(identity);
    }

    /** The headers that sign a request, and the secrets of the credentials that signed it (to scrub from the answer). */
    public record Signature(Map<String, String> headers, List<String> secrets) {
    }

    /**
     * The headers that sign this request (Authorization, X-Amz-Date, the session token, the payload
     * hash), computed over exactly the method, URL, headers and body that will be sent. Throws when
     * no credentials can be had (a renewal refused): the request is then refused, never sent unsigned.
     */
    public Signature sign(String method, URI uri, Map<String, String> headers, byte[] body) {
        AwsCredentials creds = credentials.resolveCredentials();
        SdkHttpRequest.Builder r = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
        headers.forEach(r::putHeader);
        SignedRequest signed = AwsV4HttpSigner.create().sign(q -> q.identity(creds).request(r.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body)).putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, settings.region()));
        Map<String, String> out = new LinkedHashMap<>();
        signed.request().headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!JDK_OWNED.contains(lower) && !headers.containsKey(lower) && !values.isEmpty()) {
                out.put(name, values.get(0));
            }
        });
        return new Signature(out, secretsOf(creds));
    }

    private static List<String> secretsOf(AwsCredentials c) {
        return c instanceof AwsSessionCredentials s ? List.of(c.secretAccessKey(), s.sessionToken()) : List.of(c.secretAccessKey());
    }

    /** The secret parts of the current credentials, to scrub from what the upstream answers. */
    public List<String> secrets() {
        try {
            return secretsOf(credentials.resolveCredentials());
        } catch (SdkException | IllegalStateException | UncheckedIOException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        if (credentials instanceof SdkAutoCloseable c) {
            c.close();
        }
        if (sts != null) {
            sts.close();
        }
    }
}
