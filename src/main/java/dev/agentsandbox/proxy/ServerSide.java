package dev.agentsandbox.proxy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.config.ProxyConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * What a model request may ask the provider to do on its own side, for every upstream: a model API
 * that fetches a URL, runs a search, or connects to an MCP server for the agent is a way out of a
 * sandbox that has no network (the repository's text, put in a URL or sent to a server the agent
 * names). Such tools are taken out of the request before it goes, as agents offer some by default and
 * lose nothing the sandbox would have allowed; content the provider would fetch by URL is refused, at
 * any depth. The API is told by the request's path, whatever the upstream is called; a body on a path
 * of no known API is refused when any API would have found something in it.
 */
final class ServerSide {
    /** The API a request speaks, by its path. */
    enum Api {
        ANTHROPIC, OPENAI, GEMINI, CONVERSE, OTHER;

        static Api of(Target target, ProxyConfig.Upstream u) {
            List<String> s = target.segments();
            String last = s.isEmpty() ? "" : s.get(s.size() - 1);
            int publisher = s.indexOf("publishers");
            if (publisher >= 0 && publisher + 1 < s.size() && u.aws() == null) { // Vertex: the publisher says which API the body speaks
                String p = s.get(publisher + 1);
                if (p.equals("anthropic") || p.equals("google")) {
                    return p.equals("anthropic") ? ANTHROPIC : GEMINI;
                }
            }
            int colon = last.lastIndexOf(':');
            if (colon >= 0 && u.aws() == null) {
                String method = last.substring(colon + 1);
                return method.equals("rawPredict") || method.equals("streamRawPredict") ? ANTHROPIC : GEMINI; // Vertex's Claude, or Gemini
            }
            if (u.aws() != null) {
                return last.startsWith("converse") ? CONVERSE : last.startsWith("invoke") ? ANTHROPIC : OTHER;
            }
            // by any segment, not the last: /v1/messages/count_tokens and /v1/responses/compact take the same bodies
            if (s.contains("messages")) {
                return ANTHROPIC;
            }
            return s.contains("responses") || s.contains("completions") ? OPENAI : OTHER;
        }
    }

    /** Anthropic's tool types the client runs itself; every other typed tool (web search, web fetch, code execution…) runs at Anthropic. */
    private static final Pattern ANTHROPIC_CLIENT_TOOL = Pattern.compile("custom|(bash|text_editor|str_replace_based_edit_tool|computer|memory)_\\d+");
    /**
     * OpenAI's tool types the client runs itself, with the fields each may have: a gateway that turns
     * a function tool's other fields into its provider's tools (LiteLLM makes {@code urlContext} a
     * Gemini tool) finds none.
     */
    private static final Map<String, Set<String>> OPENAI_CLIENT_TOOLS = Map.of(
            "function", Set.of("type", "function", "name", "description", "parameters", "strict"),
            "custom", Set.of("type", "name", "description", "format"),
            "local_shell", Set.of("type"));
    /** Request fields that make the provider reach a server of the request's choosing, search, or run code, by API. */
    private static final Map<Api, List<String>> SERVER_FIELDS = Map.of(
            Api.ANTHROPIC, List.of("mcp_servers", "container"),
            // web_search_options: Chat Completions' search; plugins and search_parameters: gateways' (OpenRouter's, xAI's) web search
            Api.OPENAI, List.of("web_search_options", "plugins", "search_parameters"));
    /** Fields naming content to fetch: a link or a path outside the request ({@code image_url}, {@code fileUri}, {@code document_url}…). */
    private static final Pattern FETCHED = Pattern.compile("(?i).+_?(url|uri)");
    /** Models that search the web whatever the request says. */
    private static final Pattern SEARCHING_MODEL = Pattern.compile("(?i)(.*[-_/.:])?(search|deep-research|sonar)([-_.:].*)?|.*:online");
    /** Schemas of the agent's own functions, whose property names mean nothing to the provider. */
    private static final Set<String> SCHEMAS = Set.of("input_schema", "parameters", "parametersJsonSchema", "parameters_json_schema",
            "responseSchema", "response_schema", "responseJsonSchema", "response_json_schema", "json_schema", "schema", "inputSchema");
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ServerSide() {
    }

    /** The body without the tools and fields that would run on the provider's side; the body as it was when it has none or is not JSON. */
    static byte[] withoutServerTools(Api api, byte[] body) {
        if (api == Api.GEMINI || api == Api.OTHER || body.length == 0) {
            return body;
        }
        try {
            if (!(JSON.readTree(body) instanceof ObjectNode o)) {
                return body;
            }
            return strip(api, o) ? JSON.writeValueAsBytes(o) : body;
        } catch (IOException e) {
            return body;
        }
    }

    private static boolean strip(Api api, ObjectNode o) {
        if (api == Api.GEMINI || api == Api.OTHER) {
            return false; // Gemini's server tools are refused, not taken out; withoutServerTools sends such bodies as they are
        }
        boolean changed = false;
        if (api == Api.CONVERSE || api == Api.ANTHROPIC) {
            // Bedrock's system tools (Nova's web grounding) run on AWS's side, in Converse and in a Nova body to invoke
            for (JsonNode tools : o.path("toolConfig").path("tools").isArray() ? List.of(o.path("toolConfig").path("tools")) : List.<JsonNode>of()) {
                for (int i = tools.size() - 1; i >= 0; i--) {
                    if (tools.get(i).has("systemTool")) {
                        ((ArrayNode) tools).remove(i);
                        changed = true;
                    }
                }
            }
        }
        if (api == Api.CONVERSE) {
            return changed;
        }
        if (o.path("tools").isArray()) {
            changed |= prune(api, (ArrayNode) o.get("tools"));
        }
        for (String field : SERVER_FIELDS.getOrDefault(api, List.of())) {
            changed |= o.remove(field) != null;
        }
        if (api == Api.OPENAI && o.path("prompt").isObject()) {
            changed |= o.remove("prompt") != null; // a stored prompt, which may carry hosted tools
        }
        return changed;
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
                Set<String> fields = type == null ? null : OPENAI_CLIENT_TOOLS.get(type.asText(""));
                keep = fields != null;
                if (keep && tool instanceof ObjectNode t) {
                    changed |= retainOnly(t, fields);
                }
            }
            if (!keep) {
                tools.remove(i);
                changed = true;
            }
        }
        return changed;
    }

    /** Takes out the fields of {@code o} outside {@code fields}; whether any was. */
    private static boolean retainOnly(ObjectNode o, Set<String> fields) {
        List<String> other = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(f -> {
            if (!fields.contains(f)) {
                other.add(f);
            }
        });
        o.remove(other);
        return !other.isEmpty();
    }

    /**
     * Content the provider would fetch itself, or a tool the request names that it would run, refused
     * with the reason; null when the body asks for nothing of the kind. For every API: a field naming
     * content by link ({@code image_url}, {@code document_url}, {@code fileUri}…, but for inline
     * {@code data:}), a model that always searches (in the body or the path). Anthropic: a source by
     * URL, an S3 object (Bedrock's other models). OpenAI: a file by id. Gemini: stored content, and any
     * tool but function declarations. Converse: an S3 object, or model fields that name tools. A body
     * that is not JSON, or that Jackson reads otherwise than a provider might (a key twice, data after
     * the value), is refused; so is a body on a path of no known API that the upstream's path-prefixes
     * do not name.
     */
    static EgressPolicy.Refusal refusal(Api api, byte[] body, String pathModel, boolean pathNamed) {
        if (pathModel != null && SEARCHING_MODEL.matcher(pathModel).matches()) {
            return new EgressPolicy.Refusal(403, "server-side", "model " + pathModel + " searches the web on the provider's side");
        }
        if (body.length == 0) {
            return null;
        }
        if (api == Api.OTHER && !pathNamed) {
            return new EgressPolicy.Refusal(403, "server-side", "a request with a body on a path of no model API the proxy knows (messages,"
                    + " responses, completions, generateContent…) could make the provider fetch or run anything: name the path in the"
                    + " upstream's path-prefixes to relay it");
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            return new EgressPolicy.Refusal(400, "server-side", "the request body is not JSON, or names a key twice, or has data after its value");
        }
        if (n == null) {
            return null;
        }
        if (api != Api.OTHER && n instanceof ObjectNode o) {
            strip(api, o); // what would be sent: the tools taken out are not refused
        }
        String why = common(n);
        List<Api> apis = api == Api.OTHER ? List.of(Api.ANTHROPIC, Api.OPENAI, Api.GEMINI, Api.CONVERSE)
                : api == Api.ANTHROPIC ? List.of(Api.ANTHROPIC, Api.CONVERSE) : List.of(api);
        for (Api a : apis) {
            if (why == null) {
                why = reason(a, n);
            }
            if (why == null && api == Api.OTHER && n instanceof ObjectNode o && strip(a, o.deepCopy())) {
                why = "it names a tool or a field that runs on the provider's side";
            }
        }
        return why == null ? null : new EgressPolicy.Refusal(403, "server-side", why);
    }

    /** What every API's body is checked for: a model that always searches, content by link. */
    private static String common(JsonNode n) {
        String model = n.path("model").asText("");
        if (SEARCHING_MODEL.matcher(model).matches()) {
            return "model " + model + " searches the web on the provider's side";
        }
        String linked = find(n, (k, v) -> FETCHED.matcher(k).matches() && linked(v.isObject() ? v.path("url") : v)
                || k.equals("file_data") && linked(v));
        return linked == null ? null : "content by link (" + linked + ") would be fetched by the provider: send it inline";
    }

    /** A value that names content elsewhere: any text but an inline data: URL. */
    private static boolean linked(JsonNode v) {
        if (!v.isTextual()) {
            return false;
        }
        String t = v.asText().strip().toLowerCase(java.util.Locale.ROOT);
        return !t.startsWith("data:") && (t.contains("://") || t.startsWith("//"));
    }

    private static String reason(Api api, JsonNode n) {
        switch (api) {
            case ANTHROPIC -> {
                String url = find(n, (k, v) -> k.equals("source") && v.path("type").asText("").equals("url"));
                return url == null ? null : "content by URL would be fetched by the provider: send it inline";
            }
            case OPENAI -> {
                String file = find(n, (k, v) -> k.equals("file_id"));
                return file == null ? null : "a file by id would be read from the provider's storage: send it inline";
            }
            case GEMINI -> {
                String stored = find(n, (k, v) -> Set.of("cachedContent", "cached_content", "fileData", "file_data", "fileUri", "file_uri").contains(k));
                if (stored != null) {
                    return "a request may not name stored or fetched content (" + stored + "): send it inline";
                }
                String[] kind = new String[1];
                return find(n, (k, v) -> k.equals("tools") && (kind[0] = geminiServerTool(v)) != null) == null ? null
                        : "tool " + kind[0] + " runs on Google's side, outside the sandbox's limits: only functionDeclarations are relayed";
            }
            case CONVERSE -> {
                if (find(n, (k, v) -> k.equals("s3Location")) != null) {
                    return "a request may not name an S3 object (s3Location): send the content inline";
                }
                JsonNode extra = n.path("additionalModelRequestFields");
                return find(extra, (k, v) -> Set.of("tools", "toolConfig", "mcp_servers", "container").contains(k)) == null ? null
                        : "additionalModelRequestFields may not name tools or servers: give tools in toolConfig";
            }
            default -> {
                return null;
            }
        }
    }

    /** The first of Gemini's tools that is not the agent's own functions, or null. */
    private static String geminiServerTool(JsonNode tools) {
        if (!tools.isArray()) {
            return "given as " + tools.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " (not a list)";
        }
        for (JsonNode tool : tools) {
            if (!tool.isObject()) {
                return tool.toString();
            }
            for (var it = tool.fieldNames(); it.hasNext(); ) {
                String kind = it.next();
                if (!kind.equals("functionDeclarations") && !kind.equals("function_declarations")) {
                    return kind;
                }
            }
        }
        return null;
    }

    /**
     * The first field name, at any depth outside the agent's own schemas and the arguments of its own
     * tool calls, whose value {@code match} accepts; null when none.
     */
    private static String find(JsonNode n, BiFunction<String, JsonNode, Boolean> match) {
        if (n.isArray()) {
            for (JsonNode e : n) {
                String f = find(e, match);
                if (f != null) {
                    return f;
                }
            }
        } else if (n.isObject()) {
            for (var it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                if (match.apply(e.getKey(), e.getValue())) {
                    return e.getKey();
                }
                boolean call = e.getKey().equals("input") && n.path("type").asText("").endsWith("tool_use") || e.getKey().equals("args");
                if (!call && !SCHEMAS.contains(e.getKey()) && !e.getKey().equals("functionDeclarations") && !e.getKey().equals("function_declarations")) {
                    String f = find(e.getValue(), match);
                    if (f != null) {
                        return f;
                    }
                }
            }
        }
        return null;
    }
}
