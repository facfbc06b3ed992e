package dev.agentsandbox.gate.dependencies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * pyproject.toml, read with a TOML parser: PEP 621 dependencies (optional ones and PEP 735 groups
 * too), Poetry's dependency tables (every group) and package sources (Poetry sources, uv indexes).
 * A file that is not valid TOML is unreadable (a warning), never half-read.
 */
final class Pyproject {
    private static final TomlMapper TOML = new TomlMapper();

    private Pyproject() {
    }

    static void read(String path, byte[] content, List<Dependency> deps, Set<String> sources) throws IOException {
        JsonNode root;
        try {
            root = TOML.readTree(content);
        } catch (IOException e) {
            throw new IOException("not a readable pyproject.toml: " + e.getMessage(), e);
        }
        JsonNode project = root.path("project");
        requirements(path, project.path("dependencies"), deps, sources);
        project.path("optional-dependencies").forEach(list -> requirements(path, list, deps, sources));
        root.path("dependency-groups").forEach(list -> requirements(path, list, deps, sources));
        JsonNode poetry = root.path("tool").path("poetry");
        poetry(path, poetry.path("dependencies"), deps, sources);
        poetry.path("group").forEach(g -> poetry(path, g.path("dependencies"), deps, sources));
        poetry(path, poetry.path("dev-dependencies"), deps, sources);
        poetry.path("source").forEach(src -> index(src.path("url"), sources));
        JsonNode uv = root.path("tool").path("uv");
        uv.path("index").forEach(src -> index(src.path("url"), sources));
        for (String key : new String[] {"index-url", "extra-index-url", "find-links"}) {
            JsonNode v = uv.path(key);
            if (v.isArray()) {
                v.forEach(u -> index(u, sources));
            } else {
                index(v, sources);
            }
        }
    }

    /** A list of PEP 508 strings, each read as a requirements line (its options and URLs become sources). */
    private static void requirements(String path, JsonNode list, List<Dependency> deps, Set<String> sources) {
        for (JsonNode r : list) {
            if (r.isTextual()) {
                Manifests.requirements(path, r.asText(), deps, sources);
            }
        }
    }

    /** Poetry's table: {@code name = "^1.2"} or {@code name = { version = "…", git|url|path = "…" }}. */
    private static void poetry(String path, JsonNode table, List<Dependency> deps, Set<String> sources) {
        for (Map.Entry<String, JsonNode> e : table.properties()) {
            if (e.getKey().equals("python")) {
                continue;
            }
            JsonNode v = e.getValue();
            String version = v.isTextual() ? v.asText() : v.path("version").asText(null);
            deps.add(new Dependency("pypi", Manifests.normalize(e.getKey()), version, path));
            for (String direct : new String[] {"git", "url", "path"}) {
                if (v.path(direct).isTextual()) {
                    sources.add("pypi direct " + v.path(direct).asText());
                }
            }
        }
    }

    private static void index(JsonNode url, Set<String> sources) {
        if (url.isTextual() && !url.asText().isBlank()) {
            sources.add("pypi index " + url.asText().strip());
        }
    }
}
