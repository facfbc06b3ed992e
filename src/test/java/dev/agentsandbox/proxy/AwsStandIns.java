package dev.agentsandbox.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * Stand-ins on loopback for what a Bedrock run talks to, each checking what it was given the way
 * the real one does where our code depends on it:
 * <ul>
 * <li>GitHub's OIDC token endpoint: the job's request bearer, an audience, a JWT back;
 * <li>STS {@code AssumeRoleWithWebIdentity} (Query protocol, XML answer): the role it trusts and the
 * token it issued with the right audience, short-lived session credentials back;
 * <li>Bedrock runtime: every request's SigV4 signature recomputed with the AWS SDK's signer over the
 * request as received, with the credentials STS issued; a wrong one is refused with 403 as AWS does.
 * </ul>
 */
final class AwsStandIns implements AutoCloseable {
    static final String ROLE = "arn:aws:iam::123456789012:role/agent-sandbox-ci";
    static final String REQUEST_BEARER = "gh-request-" + "bearer".repeat(4);
    static final String REGION = "us-east-1";

    final HttpServer server;
    final AtomicInteger tokensIssued = new AtomicInteger();
    final AtomicInteger exchanges = new AtomicInteger();
    final Map<String, AwsSessionCredentials> issued = new ConcurrentHashMap<>();
    final List<String> bedrockKeyIds = new CopyOnWriteArrayList<>();
    final List<String> verdicts = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> bedrockHeaders = new CopyOnWriteArrayList<>();
    volatile long lifetimeSeconds = 3600;
    volatile String audience = "sts.amazonaws.com";
    volatile boolean refuseExchanges;
    /** Where verified Bedrock requests are answered, when a scripted agent session is wanted; null: the built-in answers. */
    volatile ScriptedModelServer scripted;

    AwsStandIns() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/github-token", this::githubToken);
        server.createContext("/", this::sts); // STS answers at its endpoint's root
        server.createContext("/model/", this::bedrock);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** What a GitHub job's environment holds with permissions: id-token: write, plus the SDK's STS endpoint variable. */
    Map<String, String> githubEnv() {
        return Map.of("ACTIONS_ID_TOKEN_REQUEST_URL", url() + "/github-token?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_BEARER,
                "AWS_ENDPOINT_URL_STS", url());
    }

    static String jwt(String sub, String aud, long exp) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(("{\"iss\":\"https://token.actions.githubusercontent.com\",\"sub\":\"" + sub + "\",\"aud\":\"" + aud
                        + "\",\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    private void githubToken(HttpExchange ex) throws IOException {
        if (!("Bearer " + REQUEST_BEARER).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            reply(ex, 401, "application/json", "{\"message\":\"Bad credentials\"}");
            return;
        }
        String aud = query(ex.getRequestURI()).get("audience");
        tokensIssued.incrementAndGet();
        reply(ex, 200, "application/json", "{\"count\":1,\"value\":\"" + jwt("repo:acme/app:ref:refs/heads/main", aud,
                Instant.now().plusSeconds(300).getEpochSecond()) + "\"}");
    }

    private void sts(HttpExchange ex) throws IOException {
        Map<String, String> form = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchanges.incrementAndGet();
        String token = form.getOrDefault("WebIdentityToken", "");
        String[] parts = token.split("\\.");
        String claims = parts.length == 3 ? new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8) : "";
        if (refuseExchanges) {
            stsError(ex, 400, "ExpiredTokenException", "Token expired: current date/time is past the token's exp");
        } else if (!"AssumeRoleWithWebIdentity".equals(form.get("Action"))) {
            stsError(ex, 400, "InvalidAction", "only AssumeRoleWithWebIdentity here");
        } else if (!ROLE.equals(form.get("RoleArn"))) {
            stsError(ex, 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        } else if (!claims.contains("\"aud\":\"" + audience + "\"")) {
            stsError(ex, 400, "InvalidIdentityToken", "Incorrect token audience");
        } else {
            int n = issued.size() + 1;
            String akid = "ASIASTANDIN" + String.format("%09d", n);
            AwsSessionCredentials c = AwsSessionCredentials.create(akid, "secret/" + "standin".repeat(5) + n, "session-token-" + "x".repeat(40) + n);
            issued.put(akid, c);
            String exp = DateTimeFormatter.ISO_INSTANT.format(Instant.now().plusSeconds(lifetimeSeconds));
            reply(ex, 200, "text/xml", """
                    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <AssumeRoleWithWebIdentityResult>
                        <Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>
                        <SubjectFromWebIdentityToken>repo:acme/app:ref:refs/heads/main</SubjectFromWebIdentityToken>
                        <AssumedRoleUser><Arn>%s/session</Arn><AssumedRoleId>AROA:session</AssumedRoleId></AssumedRoleUser>
                        <Audience>sts.amazonaws.com</Audience>
                      </AssumeRoleWithWebIdentityResult>
                      <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
                    </AssumeRoleWithWebIdentityResponse>
                    """.formatted(akid, c.secretAccessKey(), c.sessionToken(), exp, ROLE.replace(":role/", ":assumed-role/")));
        }
    }

    private void stsError(HttpExchange ex, int status, String code, String message) throws IOException {
        reply(ex, status, "text/xml", "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" + code
                + "</Code><Message>" + message + "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>");
    }

    /** Recomputes the signature with the SDK's signer over the request as it arrived; 403 when it differs, as Bedrock answers. */
    private void bedrock(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, String> got = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> got.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
        bedrockHeaders.add(got);
        String auth = got.getOrDefault("authorization", "");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})")
                .matcher(auth);
        String verdict;
        if (!m.matches()) {
            verdict = "unsigned";
        } else if (!issued.containsKey(m.group(1))) {
            verdict = "unknown key " + m.group(1);
        } else if (!m.group(3).equals(REGION) || !m.group(4).equals("bedrock")) {
            verdict = "wrong scope " + m.group(3) + "/" + m.group(4);
        } else {
            AwsSessionCredentials c = issued.get(m.group(1));
            SdkHttpRequest.Builder r = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(ex.getRequestMethod()))
                    .uri(URI.create("http://" + got.get("host") + ex.getRequestURI().getRawPath()
                            + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())));
            for (String h : m.group(5).split(";")) {
                if (!List.of("host", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256").contains(h)) {
                    r.putHeader(h, got.get(h));
                }
            }
            Instant at = java.time.LocalDateTime.parse(got.getOrDefault("x-amz-date", "19700101T000000Z"),
                    DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")).toInstant(ZoneOffset.UTC);
            String expected = AwsV4HttpSigner.create().sign(q -> q.identity(c).request(r.build()).payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock").putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                    .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request().firstMatchingHeader("Authorization").orElse("");
            verdict = expected.equals(auth) && c.sessionToken().equals(got.get("x-amz-security-token")) ? "valid" : "bad signature";
            bedrockKeyIds.add(m.group(1));
        }
        verdicts.add(verdict);
        if (!verdict.equals("valid")) {
            reply(ex, 403, "application/json", "{\"message\":\"The request signature we calculated does not match (" + verdict + ")\"}");
            return;
        }
        String path = ex.getRequestURI().getRawPath();
        if (scripted != null) {
            StandIns.relay(ex, body, scripted.url() + path);
            return;
        }
        if (path.endsWith("/invoke-with-response-stream") || path.endsWith("/converse-stream")) {
            stream(ex, path.endsWith("/converse-stream"));
            return;
        }
        if (path.endsWith("/converse")) {
            reply(ex, 200, "application/json", "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"hi\"}]}},"
                    + "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":11,\"outputTokens\":5,\"totalTokens\":16}}");
            return;
        }
        reply(ex, 200, "application/json", "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":7,\"output_tokens\":3}}");
    }

    /** A streamed answer as Bedrock sends it: AWS event-stream frames, built with the SDK's own encoder. */
    private static void stream(HttpExchange ex, boolean converse) throws IOException {
        List<String> payloads = new java.util.ArrayList<>();
        Base64.Encoder b64 = Base64.getEncoder();
        if (converse) {
            payloads.add("{\"role\":\"assistant\"}");
            payloads.add("{\"contentBlockIndex\":0,\"delta\":{\"text\":\"hi\"}}");
            payloads.add("{\"stopReason\":\"end_turn\"}");
            payloads.add("{\"usage\":{\"inputTokens\":13,\"outputTokens\":4,\"totalTokens\":17},\"metrics\":{\"latencyMs\":5}}");
        } else {
            for (String e : List.of(
                    "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"role\":\"assistant\",\"usage\":{\"input_tokens\":21,\"output_tokens\":1}}}",
                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}",
                    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}",
                    "{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":21,\"outputTokenCount\":9}}")) {
                payloads.add("{\"bytes\":\"" + b64.encodeToString(e.getBytes(StandardCharsets.UTF_8)) + "\",\"p\":\"abcd\"}");
            }
        }
        ex.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
        ex.sendResponseHeaders(200, 0);
        try (var out = ex.getResponseBody()) {
            for (String p : payloads) {
                Map<String, software.amazon.awssdk.eventstream.HeaderValue> h = new LinkedHashMap<>();
                h.put(":event-type", software.amazon.awssdk.eventstream.HeaderValue.fromString(converse ? "metadata" : "chunk"));
                h.put(":content-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("application/json"));
                h.put(":message-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("event"));
                byte[] frame = new software.amazon.awssdk.eventstream.Message(h, p.getBytes(StandardCharsets.UTF_8)).toByteBuffer().array();
                for (int i = 0; i < frame.length; i += 7) { // split across reads, as the network does
                    out.write(frame, i, Math.min(7, frame.length - i));
                    out.flush();
                }
            }
        }
    }

    private static Map<String, String> query(URI uri) {
        return form(uri.getRawQuery() == null ? "" : uri.getRawQuery());
    }

    private static Map<String, String> form(String text) {
        return StandIns.form(text);
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        StandIns.reply(ex, status, type, body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
