package dev.agentsandbox.gate.dependencies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Manifests and lockfiles beyond the first four ecosystems: Gradle, Cargo, Bundler, Composer, Yarn,
 * pnpm, Pipenv, setuptools, Poetry and uv. Each reader takes untrusted input and reports every
 * package and every source that is not the ecosystem's default registry.
 */
final class OtherEcosystemManifests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GRADLE_DEP = Pattern.compile(
            "\\b(?:implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|annotationProcessor|kapt|ksp|classpath|compile|testCompile)"
                    + "\\s*\\(?\\s*[\"']([^\"':]+):([^\"':]+)(?::([^\"']+))?[\"']");
    private static final Pattern GRADLE_REPO = Pattern.compile("(?:url\\s*(?:=\\s*)?(?:uri\\s*\\()?|maven\\s*\\(\\s*(?:url\\s*=\\s*)?(?:uri\\s*\\()?)\\s*[\"']([^\"']+)[\"']");
    private static final Pattern GEM = Pattern.compile("^\\s*gem\\s+[\"']([^\"']+)[\"'](?:\\s*,\\s*[\"']([^\"']+)[\"'])?(.*)$");
    private static final Pattern GEM_SOURCE = Pattern.compile("^\\s*source\\s+[\"']([^\"']+)[\"']");
    private static final Pattern GEM_OPT = Pattern.compile("(git|github|path|source)\\s*(?::|=>)\\s*[\"']([^\"']+)[\"']");
    private static final Pattern LOCK_SPEC = Pattern.compile("^    ([A-Za-z0-9_.-]+) \\(([^)]+)\\)$");
    private static final Pattern SETUP_PY = Pattern.compile("(install_requires|setup_requires|tests_require)\\s*=\\s*\\[([^]]*)]", Pattern.DOTALL);
    private static final Pattern QUOTED = Pattern.compile("[\"']([^\"']+)[\"']");

    private OtherEcosystemManifests() {
    }

    static boolean reads(String name) {
        return name.equals("build.gradle") || name.equals("build.gradle.kts") || name.equals("settings.gradle") || name.equals("settings.gradle.kts")
                || name.equals("Cargo.toml") || name.equals("Cargo.lock") || name.equals("Gemfile") || name.equals("Gemfile.lock")
                || name.equals("composer.json") || name.equals("composer.lock") || name.equals("yarn.lock") || name.equals("pnpm-lock.yaml")
                || name.equals("Pipfile") || name.equals("Pipfile.lock") || name.equals("setup.cfg") || name.equals("setup.py")
                || name.equals("poetry.lock") || name.equals("uv.lock");
    }

    static void read(String path, String name, byte[] content, List<Dependency> deps, Set<String> sources, List<String> includes)
            throws IOException {
        String text = new String(content, StandardCharsets.UTF_8);
        switch (name) {
            case "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts" -> {
                Matcher d = GRADLE_DEP.matcher(text);
                while (d.find()) {
                    deps.add(new Dependency("maven", d.group(1) + ":" + d.group(2), d.group(3), path));
                }
                Matcher r = GRADLE_REPO.matcher(text);
                while (r.find()) {
                    sources.add("maven repository " + r.group(1) + " (" + path + ")");
                }
            }
            case "Cargo.toml" -> cargoToml(path, PackageSources.TOML.readTree(content), deps, sources);
            case "Cargo.lock" -> {
                for (JsonNode p : PackageSources.TOML.readTree(content).path("package")) {
                    deps.add(new Dependency("cargo", p.path("name").asText(), p.path("version").asText(null), path));
                    // Registries are named where they are configured (Cargo.toml, .cargo/config); the lock adds git sources.
                    String src = p.path("source").asText("");
                    if (src.startsWith("git+")) {
                        sources.add("cargo source " + src);
                    }
                }
            }
            case "Gemfile" -> {
                for (String l : text.split("\n")) {
                    Matcher s = GEM_SOURCE.matcher(l);
                    if (s.find()) {
                        sources.add("gem source " + s.group(1));
                    }
                    Matcher g = GEM.matcher(l);
                    if (g.find()) {
                        deps.add(new Dependency("gem", g.group(1), g.group(2), path));
                        Matcher o = GEM_OPT.matcher(g.group(3));
                        while (o.find()) {
                            sources.add("gem " + g.group(1) + " from " + o.group(1) + " " + o.group(2));
                        }
                    }
                }
            }
            case "Gemfile.lock" -> {
                for (String l : text.split("\n")) {
                    Matcher m = LOCK_SPEC.matcher(l);
                    if (m.matches()) {
                        deps.add(new Dependency("gem", m.group(1), m.group(2), path)); // sources: the Gemfile's
                    }
                }
            }
            case "composer.json" -> {
                JsonNode root = JSON.readTree(content);
                for (String section : List.of("require", "require-dev")) {
                    root.path(section).fields().forEachRemaining(e -> {
                        if (e.getKey().contains("/")) {
                            deps.add(new Dependency("composer", e.getKey(), e.getValue().asText(), path));
                        }
                    });
                }
                JsonNode repos = root.path("repositories");
                for (JsonNode r : iterable(repos)) {
                    sources.add("composer repository " + r.path("type").asText("?") + " " + r.path("url").asText(r.toString()));
                }
            }
            case "composer.lock" -> {
                JsonNode root = JSON.readTree(content);
                for (String section : List.of("packages", "packages-dev")) {
                    for (JsonNode p : root.path(section)) {
                        deps.add(new Dependency("composer", p.path("name").asText(), p.path("version").asText(null), path));
                    }
                }
            }
            case "yarn.lock" -> yarnLock(path, text, deps, sources);
            case "pnpm-lock.yaml" -> {
                JsonNode root = PackageSources.YAML.readTree(content);
                for (Iterator<Map.Entry<String, JsonNode>> it = root.path("packages").fields(); it.hasNext(); ) {
                    var e = it.next();
                    String key = e.getKey().replaceFirst("^/", "");
                    int at = key.lastIndexOf('@');
                    if (at > 0) {
                        deps.add(new Dependency("npm", key.substring(0, at), key.substring(at + 1).replaceAll("\\(.*$", ""), path));
                    }
                    JsonNode tarball = e.getValue().path("resolution").path("tarball");
                    if (tarball.isTextual()) {
                        sources.add("npm tarball " + tarball.asText());
                    }
                }
            }
            case "Pipfile" -> {
                JsonNode root = PackageSources.TOML.readTree(content);
                for (JsonNode s : root.path("source")) {
                    sources.add("pypi index " + s.path("url").asText() + " (" + path + ")");
                }
                for (String section : List.of("packages", "dev-packages")) {
                    root.path(section).fields().forEachRemaining(e -> {
                        JsonNode v = e.getValue();
                        deps.add(new Dependency("pypi", Manifests.normalize(e.getKey()), v.isTextual() ? v.asText() : v.path("version").asText(null), path));
                        for (String k : new String[] {"git", "path", "file", "index"}) {
                            if (v.has(k)) {
                                sources.add("pypi " + e.getKey() + " from " + k + " " + v.path(k).asText());
                            }
                        }
                    });
                }
            }
            case "Pipfile.lock" -> {
                JsonNode root = JSON.readTree(content); // sources: the Pipfile's
                for (String section : List.of("default", "develop")) {
                    root.path(section).fields().forEachRemaining(e -> deps.add(new Dependency("pypi", Manifests.normalize(e.getKey()),
                            e.getValue().path("version").asText("").replaceFirst("^==", ""), path)));
                }
            }
            case "setup.cfg" -> {
                boolean inReqs = false;
                for (String raw : text.split("\n")) {
                    boolean continuation = !raw.isEmpty() && Character.isWhitespace(raw.charAt(0));
                    String l = raw.strip();
                    if (l.startsWith("install_requires") || l.startsWith("setup_requires") || l.startsWith("tests_require")
                            || l.startsWith("dependency_links")) {
                        inReqs = true;
                        l = l.substring(l.indexOf('=') + 1).strip();
                    } else if (!continuation) {
                        inReqs = false;
                    }
                    if (inReqs && !l.isEmpty()) {
                        Manifests.requirements(path, l, deps, sources, includes);
                    }
                }
            }
            case "setup.py" -> {
                Matcher m = SETUP_PY.matcher(text);
                while (m.find()) {
                    Matcher q = QUOTED.matcher(m.group(2));
                    while (q.find()) {
                        Manifests.requirements(path, q.group(1), deps, sources, includes);
                    }
                }
                Matcher links = Pattern.compile("dependency_links\\s*=\\s*\\[([^]]*)]").matcher(text);
                while (links.find()) {
                    Matcher q = QUOTED.matcher(links.group(1));
                    while (q.find()) {
                        sources.add("pypi direct " + q.group(1));
                    }
                }
            }
            case "poetry.lock", "uv.lock" -> {
                for (JsonNode p : PackageSources.TOML.readTree(content).path("package")) {
                    deps.add(new Dependency("pypi", Manifests.normalize(p.path("name").asText()), p.path("version").asText(null), path));
                    // Indexes are named where they are configured (pyproject, pip.conf); the lock adds direct sources.
                    JsonNode src = p.path("source");
                    for (String direct : new String[] {"git", "url", "path", "directory", "editable", "virtual"}) {
                        if (src.has(direct)) {
                            sources.add("pypi " + p.path("name").asText() + " from " + direct + " " + src.path(direct).asText());
                        }
                    }
                    String type = src.path("type").asText("");
                    if (List.of("git", "url", "file", "directory").contains(type)) {
                        sources.add("pypi " + p.path("name").asText() + " from " + type + " " + src.path("url").asText());
                    }
                }
            }
            default -> throw new IOException("no reader for " + name);
        }
    }

    /** composer's repositories: a list, or an object of named entries. */
    private static List<JsonNode> iterable(JsonNode repos) {
        List<JsonNode> l = new java.util.ArrayList<>();
        repos.elements().forEachRemaining(l::add);
        return l;
    }

    private static void cargoToml(String path, JsonNode root, List<Dependency> deps, Set<String> sources) {
        for (String section : List.of("dependencies", "dev-dependencies", "build-dependencies")) {
            root.path(section).fields().forEachRemaining(e -> cargoDep(path, e, deps, sources));
            root.path("workspace").path(section).fields().forEachRemaining(e -> cargoDep(path, e, deps, sources));
        }
        root.path("target").fields().forEachRemaining(t -> {
            for (String section : List.of("dependencies", "dev-dependencies", "build-dependencies")) {
                t.getValue().path(section).fields().forEachRemaining(e -> cargoDep(path, e, deps, sources));
            }
        });
        root.path("patch").fields().forEachRemaining(p -> sources.add("cargo patch of " + p.getKey() + " (" + path + ")"));
    }

    private static void cargoDep(String path, Map.Entry<String, JsonNode> e, List<Dependency> deps, Set<String> sources) {
        JsonNode v = e.getValue();
        String name = v.has("package") ? v.path("package").asText() : e.getKey();
        deps.add(new Dependency("cargo", name, v.isTextual() ? v.asText() : v.path("version").asText(null), path));
        for (String k : new String[] {"git", "path", "registry", "registry-index"}) {
            if (v.has(k)) {
                sources.add("cargo " + name + " from " + k + " " + v.path(k).asText());
            }
        }
    }

    private static void yarnLock(String path, String text, List<Dependency> deps, Set<String> sources) {
        String current = null;
        for (String raw : text.split("\n")) {
            if (!raw.isEmpty() && !Character.isWhitespace(raw.charAt(0)) && raw.endsWith(":") && !raw.startsWith("#")) {
                String first = raw.substring(0, raw.length() - 1).split(",")[0].strip().replace("\"", "");
                int at = first.lastIndexOf('@');
                current = at > 0 ? first.substring(0, at) : first;
                continue;
            }
            String l = raw.strip();
            if (current != null && (l.startsWith("version ") || l.startsWith("version:"))) {
                deps.add(new Dependency("npm", current, l.replaceFirst("^version:?\\s*", "").replace("\"", ""), path));
            } else if (l.startsWith("resolved ") || l.startsWith("resolution:")) {
                Matcher m = Pattern.compile("(\\w[\\w+.-]*://[^/\"#]+)").matcher(l);
                if (m.find()) {
                    sources.add("npm registry " + m.group(1));
                }
            }
        }
    }
}
