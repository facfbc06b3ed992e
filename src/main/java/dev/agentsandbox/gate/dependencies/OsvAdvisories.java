package dev.agentsandbox.gate.dependencies;

import dev.agentsandbox.host.HostVariables;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Advisories in the OSV format for the packages a change adds or changes: from an OSV API
 * (osv.dev's {@code /v1/querybatch} and {@code /v1/vulns/{id}} by default), or from a local OSV
 * export (a folder of OSV JSON files, or osv.dev's per-ecosystem zip) for hosts without network.
 */
public final class OsvAdvisories {
    public static final String DEFAULT_URL = "https://api.osv.dev";
    public static final String URL_ENV = HostVariables.OSV_URL;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DETAILS = 200;
    private static final Pattern EXACT = Pattern.compile("^v?\\d+(\\.\\d+)*([-+.][0-9A-Za-z.+-]+)?$");

    /** Where advisories come from. */
    public interface Source {
        /** For each dependency, the ids that apply; then their records. */
        List<Advisory> find(List<Dependency> deps) throws IOException;

        String describe();
    }

    private OsvAdvisories() {
    }

    /** OSV's ecosystem name, or null when OSV has none for it. */
    static String ecosystem(String ours) {
        return switch (ours) {
            case "maven" -> "Maven";
            case "npm" -> "npm";
            case "pypi" -> "PyPI";
            case "golang" -> "Go";
            case "cargo" -> "crates.io";
            case "gem" -> "RubyGems";
            case "composer" -> "Packagist";
            default -> null;
        };
    }

    /** A version that names one release (not a range): only those are looked up by version. */
    static boolean exact(String version) {
        return version != null && EXACT.matcher(version.replaceFirst("^==", "")).matches();
    }

    public static Source api(String baseUrl) {
        return new Api(baseUrl.replaceAll("/+$", ""));
    }

    public static Source database(Path path) {
        return new Database(path);
    }

    static Advisory advisory(JsonNode rec, Dependency d) {
        String sev = rec.path("database_specific").path("severity").asText(null);
        if (sev == null) {
            for (JsonNode a : rec.path("affected")) {
                sev = a.path("ecosystem_specific").path("severity").asText(a.path("database_specific").path("severity").asText(null));
                if (sev != null) {
                    break;
                }
            }
        }
        List<String> aliases = new ArrayList<>();
        rec.path("aliases").forEach(x -> aliases.add(x.asText()));
        String summary = rec.path("summary").asText(rec.path("details").asText("").lines().findFirst().orElse(""));
        Advisory.Severity s = Advisory.Severity.parse(sev);
        if (rec.path("id").asText().startsWith("MAL-") && s == Advisory.Severity.UNKNOWN) {
            s = Advisory.Severity.CRITICAL;
        }
        return new Advisory(rec.path("id").asText(), summary, s, aliases, d);
    }

    private static final class Api implements Source {
        private final String base;
        // Made at the first lookup: building one sets up TLS (key stores, providers), a tenth of a
        // second that a run whose change adds no dependency should not pay.
        private HttpClient http;

        Api(String base) {
            this.base = base;
        }

        @Override
        public String describe() {
            return base;
        }

        @Override
        public List<Advisory> find(List<Dependency> deps) throws IOException {
            List<Dependency> asked = new ArrayList<>();
            ObjectNode body = JSON.createObjectNode();
            ArrayNode queries = body.putArray("queries");
            for (Dependency d : deps) {
                String eco = ecosystem(d.ecosystem());
                if (eco == null) {
                    continue;
                }
                ObjectNode q = queries.addObject();
                q.putObject("package").put("name", d.name()).put("ecosystem", eco);
                if (exact(d.version())) {
                    q.put("version", d.version().replaceFirst("^==", ""));
                }
                asked.add(d);
            }
            if (asked.isEmpty()) {
                return List.of();
            }
            if (http == null) {
                http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
            }
            JsonNode results = send(HttpRequest.newBuilder(URI.create(base + "/v1/querybatch"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .header("Content-Type", "application/json")).path("results");
            Map<String, JsonNode> records = new HashMap<>();
            List<Advisory> out = new ArrayList<>();
            for (int i = 0; i < asked.size(); i++) {
                Dependency d = asked.get(i);
                for (JsonNode v : results.path(i).path("vulns")) {
                    String id = v.path("id").asText();
                    // A package asked without a version matches every advisory it ever had: only malicious ones count then.
                    if (!exact(d.version()) && !id.startsWith("MAL-")) {
                        continue;
                    }
                    if (!records.containsKey(id) && records.size() < MAX_DETAILS) {
                        records.put(id, send(HttpRequest.newBuilder(URI.create(base + "/v1/vulns/" + java.net.URLEncoder.encode(id,
                                java.nio.charset.StandardCharsets.UTF_8))).GET()));
                    }
                    out.add(advisory(records.getOrDefault(id, v), d));
                }
            }
            return out;
        }

        private JsonNode send(HttpRequest.Builder b) throws IOException {
            try {
                HttpResponse<byte[]> r = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    throw new IOException(base + " answered HTTP " + r.statusCode());
                }
                return JSON.readTree(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static final class Database implements Source {
        private final Path path;
        private Map<String, List<JsonNode>> byPackage;

        Database(Path path) {
            this.path = path;
        }

        @Override
        public String describe() {
            return path.toString();
        }

        @Override
        public List<Advisory> find(List<Dependency> deps) throws IOException {
            load();
            List<Advisory> out = new ArrayList<>();
            for (Dependency d : deps) {
                String eco = ecosystem(d.ecosystem());
                if (eco == null) {
                    continue;
                }
                String v = d.version() == null ? null : d.version().replaceFirst("^==", "");
                for (JsonNode rec : byPackage.getOrDefault(key(eco, d.name()), List.of())) {
                    boolean malicious = rec.path("id").asText().startsWith("MAL-");
                    if (malicious || (exact(v) && affects(rec, eco, d.name(), v))) {
                        out.add(advisory(rec, d));
                    }
                }
            }
            return out;
        }

        private static boolean affects(JsonNode rec, String eco, String name, String version) {
            for (JsonNode a : rec.path("affected")) {
                if (!key(eco, name).equals(key(a.path("package").path("ecosystem").asText(), a.path("package").path("name").asText()))) {
                    continue;
                }
                for (JsonNode v : a.path("versions")) {
                    if (v.asText().equals(version)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private void load() throws IOException {
            if (byPackage != null) {
                return;
            }
            byPackage = new LinkedHashMap<>();
            if (Files.isDirectory(path)) {
                try (Stream<Path> s = Files.walk(path)) {
                    for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                        index(JSON.readTree(f.toFile()));
                    }
                }
            } else {
                try (InputStream in = Files.newInputStream(path); ZipInputStream zip = new ZipInputStream(in)) {
                    for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                        if (e.getName().endsWith(".json")) {
                            index(JSON.readTree(zip.readNBytes(64 << 20)));
                        }
                    }
                }
            }
        }

        private void index(JsonNode rec) {
            for (JsonNode a : rec.path("affected")) {
                byPackage.computeIfAbsent(key(a.path("package").path("ecosystem").asText(), a.path("package").path("name").asText()),
                        k -> new ArrayList<>()).add(rec);
            }
        }

        private static String key(String eco, String name) {
            String n = eco.equals("PyPI") ? name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-") : name;
            return eco + "/" + n;
        }
    }
}
