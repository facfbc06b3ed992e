package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends a run's audit log to an OpenTelemetry collector as OTLP logs (OTLP/HTTP with JSON, to
 * {@code <endpoint>/v1/logs}), keyed by run: one log record per audit line, its body the line's exact
 * text (so the hash chain can be checked again where it lands), its attributes the run, stage, event
 * and sequence number. The local log stays the record; an export that fails is reported, not fatal.
 */
public final class OtlpExport {
    static final int BATCH = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private OtlpExport() {
    }

    /**
     * What an export did.
     *
     * @param records lines sent
     * @param error why it stopped, or null
     */
    public record Result(int records, String error) {
    }

    public static Result export(Path auditFile, String runId, String endpoint, Map<String, String> headers) {
        List<String> lines;
        try {
            lines = Files.readAllLines(auditFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Result(0, "cannot read " + auditFile + ": " + e.getMessage());
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
        URI uri = URI.create(endpoint.replaceAll("/+$", "") + "/v1/logs");
        int sent = 0;
        for (int from = 0; from < lines.size(); from += BATCH) {
            List<String> batch = lines.subList(from, Math.min(lines.size(), from + BATCH));
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(payload(runId, batch))));
                headers.forEach(b::header);
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    return new Result(sent, "the collector at " + uri + " answered " + r.statusCode());
                }
                sent += batch.size();
            } catch (IOException e) {
                return new Result(sent, "cannot reach the collector at " + uri + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(sent, "interrupted");
            }
        }
        return new Result(sent, null);
    }

    static Map<String, Object> payload(String runId, List<String> lines) throws IOException {
        List<Object> records = new ArrayList<>();
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            Instant t = Instant.parse(n.path("time").asText("1970-01-01T00:00:00Z"));
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("timeUnixNano", String.valueOf(t.getEpochSecond() * 1_000_000_000L + t.getNano()));
            rec.put("severityNumber", 9);
            rec.put("severityText", "INFO");
            rec.put("body", Map.of("stringValue", line));
            rec.put("attributes", List.of(attr("agent_sandbox.run_id", runId), attr("agent_sandbox.stage", n.path("stage").asText()),
                    attr("agent_sandbox.event", n.path("event").asText()),
                    Map.of("key", "agent_sandbox.seq", "value", Map.of("intValue", String.valueOf(n.path("seq").asLong())))));
            records.add(rec);
        }
        return Map.of("resourceLogs", List.of(Map.of(
                "resource", Map.of("attributes", List.of(attr("service.name", "agent-sandbox"), attr("agent_sandbox.run_id", runId))),
                "scopeLogs", List.of(Map.of("scope", Map.of("name", "agent-sandbox.audit"), "logRecords", records)))));
    }

    private static Map<String, Object> attr(String key, String value) {
        return Map.of("key", key, "value", Map.of("stringValue", value));
    }

    /** OTEL_EXPORTER_OTLP_HEADERS' form: {@code k=v,k2=v2} (values may be URL-encoded). */
    public static Map<String, String> headers(String spec) {
        Map<String, String> h = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return h;
        }
        for (String pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                h.put(pair.substring(0, eq).strip(), java.net.URLDecoder.decode(pair.substring(eq + 1).strip(), StandardCharsets.UTF_8));
            }
        }
        return h;
    }
}
