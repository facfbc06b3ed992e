package dev.agentsandbox.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.audit.Digests;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SARIF 2.1.0 for GitHub code scanning and the Jenkins warnings plugin. Findings without a file
 * are attached to {@code .agent-sandbox.yml}, the file that configures the check (code scanning
 * needs a location on every result).
 */
public final class SarifWriter {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SarifWriter() {
    }

    public static void write(RunReport report, Path file) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), sarif(report));
    }

    static ObjectNode sarif(RunReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", SCHEMA);
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "agent-sandbox");
        driver.put("informationUri", "https://agent-sandbox.dev");
        driver.put("semanticVersion", "0.1.0");
        ArrayNode rules = driver.putArray("rules");
        Map<String, Integer> ruleIndex = new LinkedHashMap<>();
        ArrayNode results = run.putArray("results");
        for (GateResult g : report.gates()) {
            for (Finding f : g.findings()) {
                if (f.level() == Verdict.PASS) {
                    continue;
                }
                String ruleId = g.gate() + "/" + f.rule();
                Integer idx = ruleIndex.get(ruleId);
                if (idx == null) {
                    idx = ruleIndex.size();
                    ruleIndex.put(ruleId, idx);
                    ObjectNode r = rules.addObject();
                    r.put("id", ruleId);
                    r.put("name", f.rule());
                    r.putObject("shortDescription").put("text", g.gate() + ": " + f.rule());
                    r.putObject("help").put("text", "Reported by the agent-sandbox " + g.gate() + " gate.");
                    r.putObject("defaultConfiguration").put("level", level(f.level()));
                }
                ObjectNode res = results.addObject();
                res.put("ruleId", ruleId);
                res.put("ruleIndex", idx);
                res.put("level", level(f.level()));
                res.putObject("message").put("text", f.message() + (f.evidence() == null ? "" : "\n" + f.evidence()));
                ObjectNode loc = res.putArray("locations").addObject().putObject("physicalLocation");
                loc.putObject("artifactLocation").put("uri", uri(f.path() == null ? ".agent-sandbox.yml" : f.path()));
                loc.putObject("region").put("startLine", Math.max(1, f.line()));
                res.putObject("partialFingerprints").put("agentSandbox/v1",
                        Digests.sha256((ruleId + "\0" + f.path() + "\0" + f.evidence() + "\0" + f.message()).getBytes(StandardCharsets.UTF_8)));
            }
        }
        ObjectNode props = run.putObject("properties");
        props.put("runId", report.runId());
        props.put("verdict", report.verdict().id());
        if (report.headCommit() != null) {
            run.putArray("versionControlProvenance").addObject().put("repositoryUri", "file:" + report.repository())
                    .put("revisionId", report.headCommit()).put("branch", report.featureBranch());
        }
        return root;
    }

    static String level(Verdict v) {
        return switch (v) {
            case FAIL -> "error";
            case WARN -> "warning";
            case PASS -> "note";
        };
    }

    /** A relative URI reference for any file name: spaces, '#', '%', non-ASCII are percent-encoded. */
    static String uri(String path) {
        try {
            return new URI(null, null, path, null).toASCIIString();
        } catch (URISyntaxException e) {
            return URLEncoding.encodePath(path);
        }
    }

    static final class URLEncoding {
        private URLEncoding() {
        }

        static String encodePath(String p) {
            StringBuilder sb = new StringBuilder();
            for (byte b : p.getBytes(StandardCharsets.UTF_8)) {
                int c = b & 0xff;
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~/".indexOf(c) >= 0) {
                    sb.append((char) c);
                } else {
                    sb.append('%').append(String.format("%02X", c));
                }
            }
            return sb.toString();
        }
    }
}
