package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-ins on loopback for what a Vertex AI run talks to, each checking what it was given:
 * <ul>
 * <li>GitHub's OIDC token endpoint (as {@link AwsStandIns});
 * <li>Google's STS token exchange (RFC 8693, over https as Google's auth library insists): the
 * workload identity provider's audience and a token for it, a federated token back;
 * <li>IAM credentials' generateAccessToken for the service account, called with the federated token;
 * <li>Vertex AI: every request's bearer must be the service account token this stand-in issued, and
 * the path must name the project and region; a scripted agent session answers, or a plain message.
 * </ul>
 * The https side uses a certificate made for the test ({@link LoopbackTls}).
 */
final class GcpStandIns implements AutoCloseable {
    static final String PROVIDER = "projects/123456789/locations/global/workloadIdentityPools/ci/providers/github";
    static final String SERVICE_ACCOUNT = "agent-ci@acme-ai.iam.gserviceaccount.com";
    static final String PROJECT = "acme-ai";
    static final String REGION = "us-east5";
    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpsServer google;
    final HttpServer plain;
    final AtomicInteger exchanges = new AtomicInteger();
    final List<String> saTokens = new CopyOnWriteArrayList<>();
    /** The token each Vertex request came with. */
    final List<String> signedWith = new CopyOnWriteArrayList<>();
    final List<String> verdicts = new CopyOnWriteArrayList<>();
    /** Any key header a Vertex request came with (the agent's placeholder must never reach Google). */
    final List<String> keyHeaders = new CopyOnWriteArrayList<>();
    volatile long lifetimeSeconds = 3600;
    volatile ScriptedModelServer scripted;
    private final LoopbackTls tls;

    GcpStandIns(Path tmp) throws Exception {
        tls = new LoopbackTls(tmp);
        google = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        google.setHttpsConfigurator(new HttpsConfigurator(tls.context));
        google.createContext("/v1/token", this::sts);
        google.createContext("/v1/projects/-/serviceAccounts/", this::iam);
        google.start();
        plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plain.createContext("/github-token", this::githubToken);
        plain.createContext("/v1/", this::vertex);
        plain.start();
    }

    String googleUrl() {
        return "https://127.0.0.1:" + google.getAddress().getPort();
    }

    String vertexUrl() {
        return "http://127.0.0.1:" + plain.getAddress().getPort();
    }

    Map<String, String> githubEnv() {
        return Map.of("ACTIONS_ID_TOKEN_REQUEST_URL", vertexUrl() + "/github-token?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                AwsStandIns.REQUEST_BEARER);
    }

    private void githubToken(HttpExchange ex) throws IOException {
        if (!("Bearer " + AwsStandIns.REQUEST_BEARER).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            reply(ex, 401, "{\"message\":\"Bad credentials\"}");
            return;
        }
        String q = ex.getRequestURI().getRawQuery();
        String aud = URLDecoder.decode(q.substring(q.indexOf("audience=") + 9), StandardCharsets.UTF_8);
        reply(ex, 200, "{\"value\":\"" + AwsStandIns.jwt("repo:acme/app:ref:refs/heads/main", aud, Instant.now().plusSeconds(300).getEpochSecond())
                + "\"}");
    }

    private void sts(HttpExchange ex) throws IOException {
        Map<String, String> form = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchanges.incrementAndGet();
        String[] parts = form.getOrDefault("subject_token", "").split("\\.");
        String claims = parts.length == 3 ? new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8) : "";
        if (!("//iam.googleapis.com/" + PROVIDER).equals(form.get("audience"))) {
            reply(ex, 400, "{\"error\":\"invalid_target\",\"error_description\":\"The target service indicated by the audience is invalid\"}");
        } else if (!claims.contains("\"aud\":\"https://iam.googleapis.com/" + PROVIDER + "\"")) {
            reply(ex, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"The audience in ID Token does not match the expected audience\"}");
        } else {
            reply(ex, 200, "{\"access_token\":\"federated-" + exchanges.get() + "-" + "f".repeat(30) + "\",\"issued_token_type\":"
                    + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":" + lifetimeSeconds + "}");
        }
    }

    private void iam(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (!ex.getRequestURI().getPath().equals("/v1/projects/-/serviceAccounts/" + SERVICE_ACCOUNT + ":generateAccessToken")
                || auth == null || !auth.startsWith("Bearer federated-")) {
            reply(ex, 403, "{\"error\":{\"code\":403,\"message\":\"Permission 'iam.serviceAccounts.getAccessToken' denied\",\"status\":\"PERMISSION_DENIED\"}}");
            return;
        }
        String token = "ya29.standin-" + (saTokens.size() + 1) + "-" + "s".repeat(40);
        saTokens.add(token);
        reply(ex, 200, "{\"accessToken\":\"" + token + "\",\"expireTime\":\"" + Instant.now().plusSeconds(lifetimeSeconds) + "\"}");
    }

    private void vertex(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
        String path = ex.getRequestURI().getRawPath();
        String verdict = !saTokens.isEmpty() && auth.equals("Bearer " + saTokens.get(saTokens.size() - 1)) ? "valid"
                : saTokens.stream().anyMatch(t -> auth.equals("Bearer " + t)) ? "valid (earlier token)" : "unknown token";
        if (!path.startsWith("/v1/projects/" + PROJECT + "/locations/" + REGION + "/publishers/")) {
            verdict = "wrong project or region";
        }
        verdicts.add(verdict);
        signedWith.add(auth.replaceFirst("^Bearer ", ""));
        for (String h : List.of("x-goog-api-key", "x-api-key", "api-key")) {
            if (ex.getRequestHeaders().containsKey(h)) {
                keyHeaders.add(h + ": " + ex.getRequestHeaders().getFirst(h));
            }
        }
        if (!verdict.startsWith("valid")) {
            reply(ex, 401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}");
            return;
        }
        if (scripted != null) {
            if (path.contains("/publishers/google/")) { // Gemini on Vertex: the scripted session's Gemini answer, by its path
                StandIns.relay(ex, body, scripted.url() + path);
                return;
            }
            // Claude on Vertex speaks the Messages API at :streamRawPredict: the scripted session answers it as /v1/messages
            StandIns.relay(ex, withStream(body, path.endsWith(":streamRawPredict")), scripted.url() + "/v1/messages");
            return;
        }
        reply(ex, 200, "{\"id\":\"msg_v\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"hi\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":8,\"output_tokens\":2}}");
    }

    private static byte[] withStream(byte[] body, boolean stream) throws IOException {
        JsonNode n = JSON.readTree(body);
        if (stream && n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.put("stream", true);
        }
        return JSON.writeValueAsBytes(n);
    }

    private static Map<String, String> form(String text) {
        return StandIns.form(text);
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        StandIns.reply(ex, status, "application/json", body);
    }

    @Override
    public void close() {
        tls.close();
        google.stop(0);
        plain.stop(0);
    }
}
