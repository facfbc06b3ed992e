package dev.agentsandbox.proxy;

import dev.agentsandbox.error.RefusedException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Before the agent starts, each upstream with a key is asked for its model list with that key. A
 * 401 there ends the run as refused, naming the setting: the key is wrong, expired, or not one the
 * gateway takes, and every request of the run would fail. Nothing else refuses: a 403 (a key that
 * may not list models but may call them), a 404 (a gateway without the route) or no answer leave
 * the run to go on and say what the upstream says. During the run a 401 stops nothing, since the
 * agent could ask for one on purpose.
 */
final class KeyCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private KeyCheck() {
    }

    static void require(Map<String, ProviderAuth.Upstream> upstreams) throws RefusedException {
        HttpClient http = null;
        for (Map.Entry<String, ProviderAuth.Upstream> e : upstreams.entrySet()) {
            ProviderAuth.Upstream up = e.getValue();
            String path = switch (e.getKey()) {
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
            if (e.getKey().equals("anthropic")) {
                b.header("anthropic-version", "2023-06-01");
            }
            up.authenticate(b, "GET", uri, Map.of(), new byte[0]);
            int status;
            try {
                status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException ex) {
                continue; // unreachable now: the run's own requests are refused and audited as such
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            if (status == 401) {
                var c = up.config();
                String from = c.keyEnv() != null ? "the host variable " + c.keyEnv() + (c.keyFile() != null ? " (or key-file " + c.keyFile() + ")" : "")
                        : "key-file " + c.keyFile();
                throw new RefusedException("proxy upstream '" + e.getKey() + "' (" + up.base() + ") answered 401 to the key from " + from
                        + ", sent in " + up.keyHeader() + ": the key is wrong, expired or not one this endpoint takes, so every request of"
                        + " the run would fail; nothing ran. Set the right key, or for a gateway the header it expects it in"
                        + " (proxy.upstreams[].key-header, key-prefix)");
            }
        }
    }
}
