package dev.agentsandbox.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;

/**
 * gl-sast-report.json: the findings in GitLab's security report format (SAST, schema 15.x), since
 * GitLab does not read SARIF; the template declares it as {@code artifacts:reports:sast}.
 */
public final class GitlabSastWriter {
    static final String SCHEMA_VERSION = "15.0.7";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    private GitlabSastWriter() {
    }

    public static void write(RunReport r, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("version", SCHEMA_VERSION);
        ObjectNode scan = root.putObject("scan");
        for (String k : new String[] {"analyzer", "scanner"}) {
            ObjectNode a = scan.putObject(k);
            a.put("id", "agent-sandbox");
            a.put("name", "agent-sandbox");
            a.put("version", version());
            a.putObject("vendor").put("name", "agent-sandbox");
        }
        String now = LocalDateTime.now(ZoneOffset.UTC).format(TIME);
        scan.put("type", "sast");
        scan.put("start_time", now);
        scan.put("end_time", now);
        scan.put("status", "success");
        ArrayNode vulns = root.putArray("vulnerabilities");
        for (GateResult g : r.gates()) {
            for (Finding f : g.findings()) {
                ObjectNode v = vulns.addObject();
                v.put("id", id(r.runId(), f));
                v.put("category", "sast");
                v.put("name", f.gate() + " / " + f.rule());
                v.put("description", f.message());
                v.put("severity", switch (f.level()) {
                    case FAIL -> "High";
                    case WARN -> "Medium";
                    case PASS -> "Info";
                });
                ObjectNode loc = v.putObject("location");
                loc.put("file", f.path() == null ? ".agent-sandbox.yml" : f.path());
                if (f.line() > 0) {
                    loc.put("start_line", f.line());
                }
                v.putArray("identifiers").addObject().put("type", "agent_sandbox_rule").put("name", f.gate() + "." + f.rule())
                        .put("value", (f.gate() + "." + f.rule()).toLowerCase(Locale.ROOT));
            }
        }
        java.nio.file.Files.writeString(file, json.writeValueAsString(root), StandardCharsets.UTF_8);
    }

    private static String id(String run, Finding f) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((run + "\n" + f.gate() + "\n" + f.rule() + "\n" + f.path() + "\n" + f.line()
                    + "\n" + f.message()).getBytes(StandardCharsets.UTF_8));
            String h = HexFormat.of().formatHex(d);
            // a UUID-shaped id, stable for the same finding of the same run
            return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20, 32);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String version() {
        String v = GitlabSastWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
