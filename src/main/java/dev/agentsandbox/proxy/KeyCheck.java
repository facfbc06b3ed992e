package dev.agentsandbox.proxy;

import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.host.HostVariables;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Before the agent starts, each upstream with a key is asked for its model list with that key. An
 * answer that says the key itself is not taken (a 401, Gemini's 400 API_KEY_INVALID) ends the run
 * as refused, naming the setting: every request of the run would fail. Anything else lets the run
 * go on: a 401 that names missing scopes, permissions or a route (a key may call models and not
 * list them), a 403, a 404, an error, no answer within the bound. During the run a 401 stops
 * nothing, since the agent could ask for one on purpose. AGENT_SANDBOX_KEY_CHECK=off skips it.
 */
final class KeyCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BODY_BYTES = 8192;

    private KeyCheck() {
    }

    static void require(Map<String, ProviderAuth.Upstream> upstreams, Map<String, String> env) throws RefusedException {
        if ("off".equalsIgnoreCase(env.getOrDefault(HostVariables.KEY_CHECK, "").strip())) {
            return;
        }
        HttpClient http = null;
        for (Map.Entry<String, ProviderAuth.Upstream> e : upstreams.entrySet()) {
            ProviderAuth.Upstream up = e.getValue();
            String provider = e.getKey();
            String path = switch (provider) {
                case "anthropic", "openai" -> "/v1/models";
                case "gemini" -> "/v1beta/models";
                default -> null;
            };
            if (up.key() == null || path == null || up.aws() != null || up.gcp() != null || up.azure() != null) {
                continue;
            }
            if (http == null) {
                http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                        .followRedirects(HttpClient.Redirect.NEVER).build();
            }
            URI uri = URI.create(up.base() + path);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
            if (provider.equals("anthropic")) {
                b.header("anthropic-version", "2023-06-01");
            }
            up.authenticate(b, "GET", uri, Map.of(), new byte[0]);
            String refusal = refusal(http, b.build(), provider);
            if (refusal != null) {
                var c = up.config();
                String from = c.keyEnv() != null ? "the host variable " + c.keyEnv() + (c.keyFile() != null ? " (or key-file " + c.keyFile() + ")" : "")
                        : "key-file " + c.keyFile();
                throw new RefusedException("proxy upstream '" + provider + "' (" + up.base() + ") answered " + refusal + " to the key from "
                        + from + ", sent in " + up.keyHeader() + ": the key is wrong, expired or not one this endpoint takes, so every request"
                        + " of the run would fail; nothing ran. Set the right key, or for a gateway the header it expects it in"
                        + " (proxy.upstreams[].key-header, key-prefix); " + HostVariables.KEY_CHECK + "=off skips this check");
            }
        }
    }

    /** The status that refuses the key ("401", "400 API_KEY_INVALID"), or null; bounded in time, headers and body alike. */
    private static String refusal(HttpClient http, HttpRequest request, String provider) {
        CompletableFuture<HttpResponse<InputStream>> sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> r;
        try {
            r = sent.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            sent.cancel(true);
            return null; // no answer now: the run's own requests are refused and audited as such
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            return null;
        }
        try (InputStream in = r.body()) {
            int status = r.statusCode();
            if (status != 401 && !(status == 400 && provider.equals("gemini"))) {
                return null;
            }
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readNBytes(BODY_BYTES);
                } catch (IOException ex) {
                    return new byte[0];
                }
            });
            String body;
            try {
                body = new String(read.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            } catch (TimeoutException | ExecutionException ex) {
                body = "";
            }
            if (status == 400) {
                return body.contains("api_key_invalid") ? "400 API_KEY_INVALID" : null;
            }
            // a key that is taken but may not do this: a restricted key's missing scope, a gateway's route the key does not cover
            return body.contains("scope") || body.contains("permission") || body.contains("not allowed") || body.contains("route")
                    ? null : "401";
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
