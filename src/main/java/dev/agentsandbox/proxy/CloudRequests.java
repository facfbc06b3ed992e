package dev.agentsandbox.proxy;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the proxy lets an agent ask of a cloud's model API. Amazon Bedrock: {@code POST /model/ID/OPERATION} for the four
 * runtime operations and nothing else (no query, no other API such as async invocation, which would
 * write to storage the role can reach). A model id naming a cross-region inference profile must stay
 * in the endpoint's geography ({@code eu.} on an {@code eu-} region), and {@code global.} profiles,
 * which may run anywhere, are refused: the data class chose the endpoint's region. The streaming
 * operations answer in AWS's event-stream framing, which the meter reads frame by frame.
 */
final class CloudRequests {
    static final Set<String> OPERATIONS = Set.of("invoke", "converse", "invoke-with-response-stream", "converse-stream");
    private static final List<String> GEOGRAPHY_PREFIXES = List.of("us-gov.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "global.");

    private CloudRequests() {
    }

    static EgressPolicy.Refusal bedrock(Target target, String region) {
        List<String> all = target.segments();
        List<String> s = all.size() <= 1 ? List.of() : all.subList(1, all.size()); // after the provider
        if (target.query() != null) {
            return new EgressPolicy.Refusal(403, "bedrock-path", "Bedrock requests through the proxy take no query string");
        }
        if (s.size() != 3 || !s.get(0).equals("model") || !OPERATIONS.contains(s.get(2))) {
            return new EgressPolicy.Refusal(403, "bedrock-path", "only POST /model/MODEL_ID/{invoke, converse, invoke-with-response-stream,"
                    + " converse-stream} reaches Bedrock through the proxy");
        }
        String model = s.get(1).toLowerCase(Locale.ROOT);
        for (String prefix : GEOGRAPHY_PREFIXES) {
            if (model.startsWith(prefix) && !inGeography(prefix, region)) {
                return new EgressPolicy.Refusal(403, "bedrock-region", "model " + s.get(1) + " is an inference profile that may run outside "
                        + region + ", the region the run's endpoint was chosen for; use the model id without it, or one of " + region + "'s geography");
            }
        }
        return null;
    }

    /** Vertex AI's model operations, the only ones relayed with a Google token: /v1/projects/P/locations/R/publishers/PUB/models/M:OP. */
    static final Set<String> VERTEX_OPERATIONS = Set.of("rawPredict", "streamRawPredict", "generateContent", "streamGenerateContent", "countTokens");

    /** What a Google-token upstream allows: one publisher model's operation of the project and region (checked as the path prefix), no other API. */
    static EgressPolicy.Refusal vertex(Target target) {
        List<String> all = target.segments();
        List<String> s = all.size() <= 1 ? List.of() : all.subList(1, all.size());
        String last = s.isEmpty() ? "" : s.get(s.size() - 1);
        int colon = last.lastIndexOf(':');
        boolean shape = s.size() == 9 && s.get(0).equals("v1") && s.get(1).equals("projects") && s.get(3).equals("locations")
                && s.get(5).equals("publishers") && s.get(7).equals("models") && colon > 0 && VERTEX_OPERATIONS.contains(last.substring(colon + 1));
        if (!shape) {
            return new EgressPolicy.Refusal(403, "vertex-path", "only POST /v1/projects/P/locations/R/publishers/PUBLISHER/models/MODEL:"
                    + "{rawPredict, streamRawPredict, generateContent, streamGenerateContent, countTokens} reaches Vertex AI through the proxy");
        }
        if (target.query() != null && !target.query().equals("alt=sse")) {
            return new EgressPolicy.Refusal(403, "vertex-path", "Vertex AI requests through the proxy take no query but alt=sse");
        }
        if (!PUBLISHERS.contains(s.get(6))) {
            return new EgressPolicy.Refusal(403, "vertex-path", "publisher " + s.get(6) + " is not relayed (only " + PUBLISHERS + ", whose usage the meter reads)");
        }
        return null;
    }

    /**
     * What an Entra-token upstream allows: Azure OpenAI's chat completions of a deployment, or the
     * Responses and v1 inference APIs; no query but api-version (no key in a query, no other API).
     */
    static EgressPolicy.Refusal azure(Target target) {
        List<String> all = target.segments();
        String rest = "/" + String.join("/", all.size() <= 1 ? List.of() : all.subList(1, all.size()));
        boolean shape = rest.matches("/openai/deployments/[A-Za-z0-9._-]+/chat/completions") || rest.equals("/openai/responses")
                || rest.equals("/openai/v1/responses") || rest.equals("/openai/v1/chat/completions");
        if (!shape) {
            return new EgressPolicy.Refusal(403, "azure-path", "only Azure OpenAI's /openai/deployments/NAME/chat/completions, /openai/responses,"
                    + " /openai/v1/responses and /openai/v1/chat/completions are relayed");
        }
        if (target.query() != null && !target.query().matches("api-version=[0-9A-Za-z.-]{1,40}")) {
            return new EgressPolicy.Refusal(403, "azure-path", "Azure OpenAI requests through the proxy take no query but api-version");
        }
        return null;
    }

    /**
     * The body without the tools that would run on the provider's side (web search, file search, MCP
     * servers, code interpreter, image generation…): only tools the agent runs itself stay (function,
     * custom, local_shell, and namespaces of them). An answer the agent can act on, and nothing fetched
     * or run outside the sandbox's limits. The body as it was when it has no such tool or is not JSON.
     */
    static byte[] withoutServerTools(byte[] body) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(body);
            if (!(n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) || !o.path("tools").isArray()) {
                return body;
            }
            return prune((com.fasterxml.jackson.databind.node.ArrayNode) o.get("tools")) ? JSON.writeValueAsBytes(o) : body;
        } catch (java.io.IOException e) {
            return body;
        }
    }

    private static boolean prune(com.fasterxml.jackson.databind.node.ArrayNode tools) {
        boolean changed = false;
        for (int i = tools.size() - 1; i >= 0; i--) {
            com.fasterxml.jackson.databind.JsonNode tool = tools.get(i);
            String type = tool.path("type").asText("");
            if (type.equals("namespace") && tool.path("tools").isArray()) {
                changed |= prune((com.fasterxml.jackson.databind.node.ArrayNode) tool.get("tools"));
            } else if (!Set.of("function", "custom", "local_shell").contains(type)) {
                tools.remove(i);
                changed = true;
            }
        }
        return changed;
    }

    /** Vertex AI publishers whose answers the meter reads. */
    private static final Set<String> PUBLISHERS = Set.of("anthropic", "google");

    /**
     * What in a request body would make the cloud reach beyond the request, with the service account's
     * or the role's rights: a Gemini body naming stored content (cachedContent, a fileData URI in a
     * bucket or on the web) or a server-side tool (search, retrieval, URL fetching, code execution; only
     * function declarations, which the agent answers itself, are allowed), or a Converse body naming an
     * S3 object. Such a request is refused; null when the body asks for nothing of the kind.
     */
    static EgressPolicy.Refusal body(byte[] body, boolean gemini, boolean converse) {
        return body(body, gemini, converse, false);
    }

    /**
     * {@code openai}: an Azure OpenAI body, which may not make Azure fetch or run anything beyond the
     * request: no data_sources (On Your Data), no tools but functions (no MCP servers, search, file
     * search, code interpreter, image generation), no input by URL or stored file, no continuation of
     * stored responses or conversations, and no background work (answered without usage).
     */
    static EgressPolicy.Refusal body(byte[] body, boolean gemini, boolean converse, boolean openai) {
        if (!gemini && !converse && !openai || body.length == 0) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return new EgressPolicy.Refusal(400, "cloud-body", "the request body is not JSON");
        }
        if (gemini) {
            com.fasterxml.jackson.databind.JsonNode said = JSON.createArrayNode().add(n.path("contents")).add(n.path("systemInstruction"));
            if (n.has("cachedContent") || !said.findValues("fileData").isEmpty() || !said.findValues("fileUri").isEmpty()) {
                return new EgressPolicy.Refusal(403, "cloud-body", "a request may not name stored content (cachedContent, fileData): send it inline");
            }
            for (com.fasterxml.jackson.databind.JsonNode tool : n.path("tools")) {
                for (var it = tool.fieldNames(); it.hasNext(); ) {
                    String kind = it.next();
                    if (!kind.equals("functionDeclarations")) {
                        return new EgressPolicy.Refusal(403, "cloud-body", "tool " + kind + " runs on Google's side, outside the sandbox's"
                                + " limits; only functionDeclarations are relayed");
                    }
                }
            }
        }
        if (openai) {
            for (String key : new String[] {"data_sources", "previous_response_id", "conversation", "background"}) {
                if (n.has(key) && !n.get(key).isNull() && !(n.get(key).isBoolean() && !n.get(key).asBoolean())) {
                    return new EgressPolicy.Refusal(403, "cloud-body", key + " makes Azure act beyond this request; it is not relayed");
                }
            }
            // tools that run on Azure's side are taken out before the request goes (withoutServerTools), not refused:
            // agents offer web search by default, and lose nothing the sandbox would have allowed
            // only what the conversation carries: a tool's schema may well name a property image_url or file_id
            for (String part : new String[] {"input", "messages"}) {
                com.fasterxml.jackson.databind.JsonNode content = n.path(part);
                if (!content.findValues("file_url").isEmpty() || !content.findValues("file_id").isEmpty()) {
                    return new EgressPolicy.Refusal(403, "cloud-body", "a request may not name a file by URL or id: send it inline");
                }
                for (com.fasterxml.jackson.databind.JsonNode image : content.findValues("image_url")) {
                    String url = image.isTextual() ? image.asText() : image.path("url").asText("");
                    if (!url.startsWith("data:")) {
                        return new EgressPolicy.Refusal(403, "cloud-body", "an image by URL would be fetched by Azure: send it inline (data:)");
                    }
                }
            }
        }
        if (converse && !JSON.createArrayNode().add(n.path("messages")).add(n.path("system")).findValues("s3Location").isEmpty()) {
            return new EgressPolicy.Refusal(403, "cloud-body", "a request may not name an S3 object (s3Location): send the content inline");
        }
        return null;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static boolean inGeography(String prefix, String region) {
        return switch (prefix) {
            case "us." -> region.startsWith("us-") && !region.startsWith("us-gov-");
            case "us-gov." -> region.startsWith("us-gov-");
            case "eu." -> region.startsWith("eu-");
            case "apac." -> region.startsWith("ap-");
            case "jp." -> region.startsWith("ap-northeast-");
            case "au." -> region.startsWith("ap-southeast-2") || region.startsWith("ap-southeast-4");
            case "ca." -> region.startsWith("ca-");
            default -> false; // global.: anywhere
        };
    }
}
