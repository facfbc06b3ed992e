package dev.agentsandbox.forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** JSON over HTTPS to a forge's REST API, with its answers mapped to what the user must do. The token never appears in a message. */
final class ForgeHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final URI api;
    private final Map<String, String> headers;
    private final String forge;

    ForgeHttp(URI api, Map<String, String> headers, String forge) {
        this.api = URI.create(api.toString().replaceAll("/+$", "") + "/");
        this.headers = headers;
        this.forge = forge;
    }

    /** A response the caller reads; statuses the caller does not expect become exceptions. */
    record Answer(int status, JsonNode body) {
    }

    Answer call(String method, String path, Object body, int... expected) throws AgentSandboxException {
        HttpRequest.Builder b = HttpRequest.newBuilder(api.resolve(path.replaceFirst("^/", ""))).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        headers.forEach(b::header);
        try {
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? JSON.nullNode() : JSON.readTree(r.body());
            for (int e : expected) {
                if (r.statusCode() == e) {
                    return new Answer(r.statusCode(), json);
                }
            }
            String message = json.path("message").isTextual() ? json.path("message").asText() : json.path("error").asText(json.toString());
            String what = forge + " answered " + r.statusCode() + " to " + method + " " + path + ": " + message;
            throw switch (r.statusCode()) {
                case 401, 403 -> new RefusedException(what + " (does the token have the permission? contents and pull requests write on"
                        + " GitHub, api scope or Developer role on GitLab)");
                case 404 -> new RefusedException(what + " (wrong project or number, or the token cannot see it)");
                default -> new RefusedException(what);
            };
        } catch (IOException e) {
            throw new InfrastructureException("cannot reach the " + forge + " API at " + api + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while calling the " + forge + " API", e);
        }
    }
}
