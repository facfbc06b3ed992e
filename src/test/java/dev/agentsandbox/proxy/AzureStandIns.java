package dev.agentsandbox.proxy;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-ins on loopback for an Azure OpenAI run: Entra ID's token endpoint (https, as MSAL requires;
 * client credentials with a federated client assertion, checked for the tenant, the app, the scope,
 * the assertion type and the assertion's audience), and an Azure OpenAI resource that accepts only
 * the token Entra issued, answering the Responses and Chat Completions APIs, or a scripted session.
 */
final class AzureStandIns implements AutoCloseable {
    static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    static final String CLIENT = "0f6f2a31-5a7b-4a1c-9d3e-8b2f1c4d5e6f";

    final HttpsServer entra;
    final HttpServer openai;
    final AtomicInteger assertions = new AtomicInteger();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    final List<String> verdicts = new CopyOnWriteArrayList<>();
    /** The Anthropic paths (with their queries) the stand-in answered. */
    final List<String> paths = new CopyOnWriteArrayList<>();
    volatile long lifetimeSeconds = 3599;
    volatile ScriptedModelServer scripted;
    private final LoopbackTls tls;

    AzureStandIns(Path tmp) throws Exception {
        tls = new LoopbackTls(tmp);
        entra = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        entra.setHttpsConfigurator(new HttpsConfigurator(tls.context));
        entra.createContext("/", this::token);
        entra.start();
        openai = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        openai.createContext("/openai/", this::openai);
        openai.createContext("/anthropic/", this::openai);
        openai.start();
    }

    String authority() {
        return "https://127.0.0.1:" + entra.getAddress().getPort();
    }

    String resource() {
        return "http://127.0.0.1:" + openai.getAddress().getPort();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = StandIns.form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String assertion = form.getOrDefault("client_assertion", "");
        String[] parts = assertion.split("\\.");
        String claims = parts.length == 3 ? new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8) : "";
        if (!ex.getRequestURI().getPath().equals("/" + TENANT + "/oauth2/v2.0/token")) {
            reply(ex, 400, "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90002: Tenant not found.\"}");
        } else if (!CLIENT.equals(form.get("client_id"))) {
            reply(ex, 400, "{\"error\":\"unauthorized_client\",\"error_description\":\"AADSTS700016: Application not found in the directory.\"}");
        } else if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer".equals(form.get("client_assertion_type"))
                || !claims.contains("\"aud\":\"api://AzureADTokenExchange\"")) {
            reply(ex, 400, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS700212: No matching federated identity record found for"
                    + " presented assertion audience.\"}");
        } else if (!String.valueOf(form.get("scope")).contains("https://cognitiveservices.azure.com/.default")) {
            reply(ex, 400, "{\"error\":\"invalid_scope\",\"error_description\":\"AADSTS70011\"}");
        } else {
            assertions.incrementAndGet();
            String token = "eyJ0eXAiOiJKV1QifQ.entra-" + (tokens.size() + 1) + "-" + "t".repeat(40) + ".sig";
            tokens.add(token);
            reply(ex, 200, "{\"token_type\":\"Bearer\",\"expires_in\":" + lifetimeSeconds + ",\"ext_expires_in\":" + lifetimeSeconds
                    + ",\"access_token\":\"" + token + "\"}");
        }
    }

    private void openai(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
        boolean known = tokens.stream().anyMatch(t -> auth.equals("Bearer " + t));
        verdicts.add(known ? "valid" : "unknown token");
        if (!known || ex.getRequestHeaders().containsKey("api-key")) {
            reply(ex, 401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key or wrong API endpoint.\"}}");
            return;
        }
        String path = ex.getRequestURI().getPath();
        if (scripted != null && path.equals("/openai/v1/responses")) {
            StandIns.relay(ex, body, scripted.url() + "/v1/responses");
            return;
        }
        if (scripted != null && path.equals("/anthropic/v1/messages")) { // Claude on Foundry: the Messages API
            paths.add(ex.getRequestURI().toString());
            StandIns.relay(ex, body, scripted.url() + "/v1/messages");
            return;
        }
        reply(ex, 200, "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}");
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        StandIns.reply(ex, status, "application/json", body);
    }

    @Override
    public void close() {
        tls.close();
        entra.stop(0);
        openai.stop(0);
    }
}
