package dev.agentsandbox.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the clouds' stand-ins share: a form body read, a JSON answer, and a request passed on to a scripted agent session. */
final class StandIns {
    private StandIns() {
    }

    static Map<String, String> form(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : text.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (var out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** The request's body sent on to {@code url} (a scripted session), its answer relayed as it came. */
    static void relay(HttpExchange ex, byte[] body, String url) throws IOException {
        try {
            var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(url))
                    .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            ex.getResponseHeaders().set("Content-Type", r.headers().firstValue("content-type").orElse("application/json"));
            ex.sendResponseHeaders(r.statusCode(), r.body().length);
            try (var out = ex.getResponseBody()) {
                out.write(r.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
