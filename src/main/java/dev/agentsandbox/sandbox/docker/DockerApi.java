package dev.agentsandbox.sandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient.Request.Method;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Docker Engine API calls a run makes, as JSON trees on docker-java's transport (its socket,
 * TLS and DOCKER_HOST handling) without docker-java's object binding: building Jackson's
 * deserializers for that binding's large model classes cost a short run about 0.3 s of CPU, more
 * than the calls themselves. The request bodies follow the Engine API's reference
 * (ContainerCreate, VolumeCreate) field by field.
 */
final class DockerApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The daemon answered with an error status; its message is the daemon's own. */
    static final class Refused extends Exception {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        boolean notFound() {
            return status == 404;
        }
    }

    private final DockerHttpClient http;
    private final String version;

    DockerApi(DockerHttpClient http) {
        this(http, "");
    }

    /** @param version the API version prefix of every path ("/v1.41"), as docker-java's own calls use it; "" for the daemon's own */
    DockerApi(DockerHttpClient http, String version) {
        this.http = http;
        this.version = version;
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    JsonNode get(String path) throws Refused {
        return call(Method.GET, path, null);
    }

    JsonNode post(String path, JsonNode body) throws Refused {
        return call(Method.POST, path, body);
    }

    void delete(String path) throws Refused {
        call(Method.DELETE, path, null);
    }

    /** The daemon answers at all (GET /_ping answers "OK", not JSON). */
    void ping() throws Refused {
        try (DockerHttpClient.Response r = http.execute(DockerHttpClient.Request.builder().method(Method.GET).path(version + "/_ping").build())) {
            byte[] answer = r.getBody().readAllBytes();
            if (r.getStatusCode() >= 400) {
                throw new Refused(r.getStatusCode(), message(r.getStatusCode(), answer));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A call whose answer is a stream read as it comes (attach): the caller reads it and closes it,
     * which also ends the read.
     */
    DockerHttpClient.Response stream(String path) throws Refused {
        DockerHttpClient.Response r = http.execute(DockerHttpClient.Request.builder().method(Method.POST).path(version + path).build());
        if (r.getStatusCode() >= 400) {
            try (r) {
                throw new Refused(r.getStatusCode(), message(r.getStatusCode(), r.getBody().readAllBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return r;
    }

    /** One path segment (a name, an id, an image reference), percent-encoded whole. */
    static String segment(String s) {
        if (s.isEmpty() || s.equals(".") || s.equals("..")) {
            throw new IllegalArgumentException("not a Docker object name: '" + s + "'");
        }
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The filters query parameter: label=value pairs a listed object must all carry. */
    static String labelFilter(String label, String value) {
        ObjectNode f = object();
        f.putArray("label").add(label + "=" + value);
        return "filters=" + segment(f.toString());
    }

    /** A JSON object of strings as a map (labels); an absent or null one is empty. */
    static Map<String, String> strings(JsonNode node) {
        Map<String, String> m = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private JsonNode call(Method method, String path, JsonNode body) throws Refused {
        var request = DockerHttpClient.Request.builder().method(method).path(version + path);
        if (body != null) {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            request.putHeader("Content-Type", "application/json").body(new ByteArrayInputStream(bytes));
        }
        try (DockerHttpClient.Response r = http.execute(request.build())) {
            byte[] answer = r.getBody().readAllBytes();
            if (r.getStatusCode() >= 400) {
                throw new Refused(r.getStatusCode(), message(r.getStatusCode(), answer));
            }
            return answer.length == 0 ? JSON.missingNode() : JSON.readTree(answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a broken connection, as docker-java reports it
        }
    }

    private static String message(int status, byte[] answer) {
        try {
            String m = JSON.readTree(answer).path("message").asText("");
            if (!m.isEmpty()) {
                return "Status " + status + ": " + m;
            }
        } catch (IOException notJson) {
            // the answer's text is the message
        }
        return "Status " + status + ": " + new String(answer, StandardCharsets.UTF_8).strip();
    }
}
