package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.config.ProxyConfig;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a model request may ask the provider to do on its own side, for every upstream: a model API
 * that fetches a URL, runs a search, or connects to an MCP server for the agent is a way out of a
 * sandbox that has no network (the repository's text, put in a URL or sent to a server the agent
 * names). Such tools are taken out of the request before it goes, as agents offer some by default and
 * lose nothing the sandbox would have allowed; content the provider would fetch by URL is refused.
 * The API is told by the request's path, whatever the upstream is called.
 */
final class ServerSide {
    /** The API a request speaks, by its path. */
    enum Api {
        ANTHROPIC, OPENAI, GEMINI, CONVERSE, OTHER;

        static Api of(Target target, ProxyConfig.Upstream u) {
            List<String> s = target.segments();
            String last = s.isEmpty() ? "" : s.get(s.size() - 1);
            if (last.contains(":")) {
                return last.endsWith("RawPredict") ? ANTHROPIC : GEMINI; // Vertex's Claude, or Gemini's model methods
            }
            if (u.aws() != null) {
                return last.startsWith("converse") ? CONVERSE : last.startsWith("invoke") ? ANTHROPIC : OTHER;
            }
            return switch (last) {
                case "messages" -> ANTHROPIC;
                case "responses", "completions" -> OPENAI;
                default -> OTHER;
            };
        }
    }

    /** Anthropic's tool types the client runs itself; every other typed tool (web search, web fetch, code execution…) runs at Anthropic. */
    private static final Pattern ANTHROPIC_CLIENT_TOOL = Pattern.compile("custom|(bash|text_editor|str_replace_based_edit_tool|computer|memory)_\\d+");
    /** Request fields that make Anthropic reach a server of the request's choosing (the MCP connector) or run code in a container. */
    private static final List<String> ANTHROPIC_SERVER_FIELDS = List.of("mcp_servers", "container");
    /** OpenAI's tool types the client runs itself. */
    private static final Set<String> OPENAI_CLIENT_TOOLS = Set.of("function", "custom", "local_shell");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServerSide() {
    }

    /** The body without the tools and fields that would run on the provider's side; the body as it was when it has none or is not JSON. */
    static byte[] withoutServerTools(Api api, byte[] body) {
        if (api != Api.ANTHROPIC && api != Api.OPENAI || body.length == 0) {
            return body;
        }
        try {
            if (!(JSON.readTree(body) instanceof ObjectNode o)) {
                return body;
            }
            boolean changed = false;
            if (o.path("tools").isArray()) {
                changed = prune(api, (ArrayNode) o.get("tools"));
            }
            if (api == Api.ANTHROPIC) {
                for (String field : ANTHROPIC_SERVER_FIELDS) {
                    changed |= o.remove(field) != null;
                }
            }
            return changed ? JSON.writeValueAsBytes(o) : body;
        } catch (IOException e) {
            return body;
        }
    }

    private static boolean prune(Api api, ArrayNode tools) {
        boolean changed = false;
        for (int i = tools.size() - 1; i >= 0; i--) {
            JsonNode tool = tools.get(i);
            JsonNode type = tool.get("type");
            boolean keep;
            if (api == Api.ANTHROPIC) {
                keep = type == null || type.isNull() || type.isTextual() && ANTHROPIC_CLIENT_TOOL.matcher(type.asText()).matches();
            } else if (type != null && type.asText("").equals("namespace") && tool.path("tools").isArray()) {
                changed |= prune(api, (ArrayNode) tool.get("tools"));
                keep = true;
            } else {
                keep = type != null && OPENAI_CLIENT_TOOLS.contains(type.asText(""));
            }
            if (!keep) {
                tools.remove(i);
                changed = true;
            }
        }
        return changed;
    }

    /**
     * Content the provider would fetch itself, or a tool the request names that it would run, refused
     * with the reason; null when the body asks for nothing of the kind. Anthropic: an image or a
     * document by URL. OpenAI: a file by URL or id, an image by URL. Gemini: stored or fetched content,
     * and any tool but function declarations. Converse: an S3 object.
     */
    static EgressPolicy.Refusal refusal(Api api, byte[] body) {
        if (api == Api.OTHER || body.length == 0) {
            return null;
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            return new EgressPolicy.Refusal(400, "server-side", "the request body is not JSON");
        }
        if (n == null) {
            return null;
        }
        switch (api) {
            case ANTHROPIC -> {
                for (JsonNode source : JSON.createArrayNode().add(n.path("messages")).add(n.path("system")).findValues("source")) {
                    if (source.path("type").asText("").equals("url")) {
                        return new EgressPolicy.Refusal(403, "server-side", "content by URL would be fetched by the provider: send it inline");
                    }
                }
            }
            case OPENAI -> {
                // only what the conversation carries: a tool's schema may well name a property image_url or file_id
                for (String part : new String[] {"input", "messages"}) {
                    JsonNode content = n.path(part);
                    if (!content.findValues("file_url").isEmpty() || !content.findValues("file_id").isEmpty()) {
                        return new EgressPolicy.Refusal(403, "server-side", "a request may not name a file by URL or id: send it inline");
                    }
                    for (JsonNode image : content.findValues("image_url")) {
                        String url = image.isTextual() ? image.asText() : image.path("url").asText("");
                        if (!url.startsWith("data:")) {
                            return new EgressPolicy.Refusal(403, "server-side", "an image by URL would be fetched by the provider: send it inline (data:)");
                        }
                    }
                }
            }
            case GEMINI -> {
                // Google's JSON takes each field in camelCase and in snake_case
                JsonNode said = JSON.createArrayNode().add(n.path("contents")).add(n.path("systemInstruction")).add(n.path("system_instruction"));
                if (n.has("cachedContent") || n.has("cached_content") || Stream.of("fileData", "fileUri", "file_data", "file_uri")
                        .anyMatch(k -> !said.findValues(k).isEmpty())) {
                    return new EgressPolicy.Refusal(403, "server-side", "a request may not name stored content (cachedContent, fileData): send it inline");
                }
                for (JsonNode tool : n.path("tools")) {
                    for (var it = tool.fieldNames(); it.hasNext(); ) {
                        String kind = it.next();
                        if (!kind.equals("functionDeclarations") && !kind.equals("function_declarations")) {
                            return new EgressPolicy.Refusal(403, "server-side", "tool " + kind + " runs on Google's side, outside the sandbox's"
                                    + " limits; only functionDeclarations are relayed");
                        }
                    }
                }
            }
            case CONVERSE -> {
                if (!JSON.createArrayNode().add(n.path("messages")).add(n.path("system")).findValues("s3Location").isEmpty()) {
                    return new EgressPolicy.Refusal(403, "server-side", "a request may not name an S3 object (s3Location): send the content inline");
                }
            }
            default -> {
            }
        }
        return null;
    }
}
