package dev.agentsandbox.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads {@code .agent-sandbox.yml}. Every problem is reported at once, each naming the file, the
 * line and column, and the key, with what is expected; unknown keys are errors (a typo must not
 * silently switch a check off).
 */
public final class ConfigLoader {
    static final int MAX_BYTES = 256 * 1024;

    private ConfigLoader() {
    }

    public static RunConfig load(Path file) throws ConfigException {
        try {
            return load(file.toString(), Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": configuration file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    public static RunConfig load(String source, byte[] yaml) throws ConfigException {
        if (yaml.length > MAX_BYTES) {
            throw new ConfigException(source + ": " + yaml.length + " bytes is too large for a configuration file (limit " + MAX_BYTES + ")");
        }
        YAMLFactory factory = YAMLFactory.builder()
                .loaderOptions(limitedLoader())
                .build();
        YAMLMapper mapper = new YAMLMapper(factory);
        JsonNode root;
        Map<String, JsonLocation> locations;
        try {
            root = mapper.readTree(yaml);
            locations = locations(factory, yaml);
        } catch (IOException e) {
            String where = e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
                    ? ":" + p.getLocation().getLineNr() + ":" + p.getLocation().getColumnNr() : "";
            throw new ConfigException(source + where + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        ConfigValues values = new ConfigValues(source, locations);
        var breaches = root != null && root.isObject() ? SchemaCheck.validate(root) : java.util.List.<com.networknt.schema.ValidationMessage>of();
        SchemaCheck.unknownKeys(breaches, values);
        RunConfig config = new ConfigReader(values).read(root);
        SchemaCheck.rest(breaches, values);
        values.throwIfErrors();
        return config;
    }

    private static org.yaml.snakeyaml.LoaderOptions limitedLoader() {
        org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
        o.setMaxAliasesForCollections(20); // refuses "billion laughs" alias bombs
        o.setAllowDuplicateKeys(false);
        o.setCodePointLimit(MAX_BYTES);
        return o;
    }

    /** JSON-pointer-like path ("/sandbox/memory") to where its value starts in the file. */
    private static Map<String, JsonLocation> locations(YAMLFactory factory, byte[] yaml) throws IOException {
        Map<String, JsonLocation> out = new HashMap<>();
        Deque<String> path = new ArrayDeque<>();
        Deque<Integer> index = new ArrayDeque<>();
        try (JsonParser p = factory.createParser(yaml)) {
            String pendingField = null;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    pendingField = p.currentName();
                    out.put(join(path) + "/" + pendingField, p.currentTokenLocation());
                    continue;
                }
                String here;
                if (pendingField != null) {
                    here = pendingField;
                    pendingField = null;
                } else if (!index.isEmpty() && index.peek() >= 0) {
                    int i = index.pop();
                    index.push(i + 1);
                    here = String.valueOf(i);
                    out.put(join(path) + "/" + here, p.currentTokenLocation());
                } else {
                    here = null;
                }
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    if (here != null) {
                        path.addLast(here);
                    } else {
                        path.addLast("");
                    }
                    index.push(t == JsonToken.START_ARRAY ? 0 : -1);
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    index.pop();
                    path.pollLast();
                }
            }
        }
        return out;
    }

    private static String join(Deque<String> path) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (String s : path) {
            if (first) {
                first = false; // the root container
                continue;
            }
            sb.append('/').append(s);
        }
        return sb.toString();
    }

    static String firstLine(String s) {
        return s == null ? "" : s.strip().lines().findFirst().orElse("");
    }
}
