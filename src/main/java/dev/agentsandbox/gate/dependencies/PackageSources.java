package dev.agentsandbox.gate.dependencies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Files that only say where packages come from: a repository can redirect every install through
 * them without touching a manifest (pip.conf, .yarnrc, .yarnrc.yml, Maven settings, Cargo's
 * config, Go's proxy settings in files). Every source they name is reported.
 */
final class PackageSources {
    static final TomlMapper TOML = new TomlMapper();
    static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern GO_VARS = Pattern.compile("\\b(GOPROXY|GOFLAGS|GONOSUMDB|GONOSUMCHECK|GOINSECURE|GOPRIVATE|GONOPROXY|GOSUMDB)\\s*[=:]\\s*\"?([^\"\\s]+)");
    private static final Pattern URLISH = Pattern.compile("(?i)\\b(https?|git|ssh|file)://\\S+|\\bgit@[\\w.-]+:\\S+");

    private PackageSources() {
    }

    static boolean reads(String path, String name) {
        return name.equals("pip.conf") || name.equals("pip.ini") || name.equals(".yarnrc") || name.equals(".yarnrc.yml")
                || name.equals("settings.xml") || name.equals("settings-security.xml") || path.endsWith(".cargo/config")
                || path.endsWith(".cargo/config.toml") || name.equals("go.env") || name.equals(".envrc") || name.equals("go.work")
                || path.endsWith(".bundle/config");
    }

    static void read(String path, String name, byte[] content, Set<String> sources) throws IOException {
        String text = new String(content, StandardCharsets.UTF_8);
        switch (name) {
            case "pip.conf", "pip.ini" -> {
                for (String raw : text.split("\n")) {
                    String l = raw.strip();
                    Matcher m = Pattern.compile("^(index-url|extra-index-url|find-links|trusted-host|index)\\s*[=:]\\s*(.+)$").matcher(l);
                    if (m.matches()) {
                        sources.add("pypi index " + m.group(2).strip() + " (" + path + ")");
                    }
                }
            }
            case ".yarnrc" -> {
                for (String raw : text.split("\n")) {
                    String l = raw.strip();
                    if (l.matches("^(\"?@[\\w.-]+:)?\"?registry\"?\\s+.*")) {
                        sources.add("npm registry " + l.replaceFirst("^\\S+\\s+", "").replace("\"", "") + " (" + path + ")");
                    }
                }
            }
            case ".yarnrc.yml" -> {
                JsonNode root = YAML.readTree(content);
                if (root != null) {
                    yarnServers(root, path, sources);
                }
            }
            case "settings.xml", "settings-security.xml" -> {
                Matcher m = Pattern.compile("<url>\\s*([^<\\s]+)\\s*</url>").matcher(text);
                while (m.find()) {
                    sources.add("maven repository " + m.group(1) + " (" + path + ")");
                }
            }
            case "go.env", ".envrc" -> {
                Matcher m = GO_VARS.matcher(text);
                while (m.find()) {
                    sources.add("go setting " + m.group(1) + "=" + m.group(2) + " (" + path + ")");
                }
            }
            case "go.work" -> {
                for (String raw : text.split("\n")) {
                    String l = raw.replaceAll("//.*$", "").strip();
                    if (l.contains("=>")) {
                        sources.add("go replace " + l.replaceFirst("^replace\\s+", "").replaceAll("\\s+", " ") + " (" + path + ")");
                    }
                }
            }
            default -> {
                if (path.endsWith(".cargo/config") || path.endsWith(".cargo/config.toml")) {
                    JsonNode root = TOML.readTree(content);
                    root.path("source").fields().forEachRemaining(e -> {
                        for (String k : new String[] {"registry", "replace-with", "git", "local-registry", "directory"}) {
                            if (e.getValue().has(k)) {
                                sources.add("cargo source " + e.getKey() + " " + k + " " + e.getValue().path(k).asText() + " (" + path + ")");
                            }
                        }
                    });
                    root.path("registries").fields().forEachRemaining(e ->
                            sources.add("cargo registry " + e.getKey() + " " + e.getValue().path("index").asText() + " (" + path + ")"));
                    if (root.path("registry").has("index")) {
                        sources.add("cargo registry " + root.path("registry").path("index").asText() + " (" + path + ")");
                    }
                } else {
                    Matcher m = URLISH.matcher(text);
                    while (m.find()) {
                        sources.add("package source " + m.group() + " (" + path + ")");
                    }
                }
            }
        }
    }

    private static void yarnServers(JsonNode node, String path, Set<String> sources) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            if ((e.getKey().equals("npmRegistryServer") || e.getKey().equals("unsafeHttpWhitelist")) && e.getValue().isValueNode()) {
                sources.add("npm registry " + e.getValue().asText() + " (" + path + ")");
            } else if (e.getValue().isContainerNode()) {
                yarnServers(e.getValue(), path, sources);
            }
        }
    }
}
