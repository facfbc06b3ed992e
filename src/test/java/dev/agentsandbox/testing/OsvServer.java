package dev.agentsandbox.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the OSV API on loopback, as its published description has it: {@code POST
 * /v1/querybatch} answers ids per query, {@code GET /v1/vulns/{id}} the full OSV record.
 */
public final class OsvServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Map<String, JsonNode> records = new ConcurrentHashMap<>();
    public final List<JsonNode> queries = new CopyOnWriteArrayList<>();

    public OsvServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/querybatch", this::batch);
        server.createContext("/v1/vulns/", this::vuln);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** An advisory for {@code name} in {@code ecosystem} affecting the listed versions (none: all). */
    public OsvServer advisory(String id, String ecosystem, String name, String severity, String... versions) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("summary", "advisory " + id + " for " + name).put("modified", "2026-11-01T00:00:00Z");
        r.putArray("aliases").add("CVE-2026-" + Math.abs(id.hashCode() % 10000));
        if (severity != null) {
            r.putObject("database_specific").put("severity", severity);
        }
        ObjectNode a = r.putArray("affected").addObject();
        a.putObject("package").put("ecosystem", ecosystem).put("name", name);
        ArrayNode vs = a.putArray("versions");
        for (String v : versions) {
            vs.add(v);
        }
        records.put(id, r);
        return this;
    }

    public Map<String, JsonNode> records() {
        return records;
    }

    private void batch(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        queries.add(body);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode results = out.putArray("results");
        for (JsonNode q : body.path("queries")) {
            ObjectNode res = results.addObject();
            ArrayNode vulns = JSON.createArrayNode();
            for (JsonNode r : records.values()) {
                for (JsonNode a : r.path("affected")) {
                    boolean pkg = a.at("/package/ecosystem").asText().equals(q.at("/package/ecosystem").asText())
                            && a.at("/package/name").asText().equalsIgnoreCase(q.at("/package/name").asText());
                    boolean version = !q.has("version") || a.path("versions").isEmpty()
                            || a.path("versions").toString().contains("\"" + q.path("version").asText() + "\"");
                    if (pkg && version) {
                        vulns.addObject().put("id", r.path("id").asText()).put("modified", r.path("modified").asText());
                    }
                }
            }
            if (!vulns.isEmpty()) {
                res.set("vulns", vulns);
            }
        }
        send(ex, 200, JSON.writeValueAsBytes(out));
    }

    private void vuln(HttpExchange ex) throws IOException {
        String id = ex.getRequestURI().getPath().substring("/v1/vulns/".length());
        JsonNode r = records.get(id);
        send(ex, r == null ? 404 : 200, r == null ? "{\"code\":5,\"message\":\"Bug not found.\"}".getBytes() : JSON.writeValueAsBytes(r));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
