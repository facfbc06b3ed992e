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
        // Claude models on Microsoft Foundry speak Anthropic's Messages API under /anthropic (Claude Code adds ?beta=true)
        boolean claude = rest.equals("/anthropic/v1/messages") || rest.equals("/anthropic/v1/messages/count_tokens");
        boolean shape = claude || rest.matches("/openai/deployments/[A-Za-z0-9._-]+/chat/completions") || rest.equals("/openai/responses")
                || rest.equals("/openai/v1/responses") || rest.equals("/openai/v1/chat/completions");
        if (!shape) {
            return new EgressPolicy.Refusal(403, "azure-path", "only Azure OpenAI's /openai/deployments/NAME/chat/completions, /openai/responses,"
                    + " /openai/v1/responses and /openai/v1/chat/completions, and Foundry's /anthropic/v1/messages, are relayed");
        }
        if (target.query() != null && !target.query().matches(claude ? "beta=true" : "api-version=[0-9A-Za-z.-]{1,40}")) {
            return new EgressPolicy.Refusal(403, "azure-path", "Azure requests through the proxy take no query but api-version (OpenAI)"
                    + " or beta=true (Anthropic)");
        }
        return null;
    }

    /** Vertex AI publishers whose answers the meter reads. */
    private static final Set<String> PUBLISHERS = Set.of("anthropic", "google");

    /**
     * An Azure OpenAI body, which may not make Azure act beyond the request with the identity's rights:
     * no data_sources (On Your Data), no continuation of stored responses or conversations, and no
     * background work (answered without usage). What any provider would fetch or run on its side is
     * {@link ServerSide}'s.
     */
    static EgressPolicy.Refusal azureBody(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return new EgressPolicy.Refusal(400, "cloud-body", "the request body is not JSON");
        }
        for (String key : new String[] {"data_sources", "previous_response_id", "conversation", "background"}) {
            if (n != null && n.has(key) && !n.get(key).isNull() && !(n.get(key).isBoolean() && !n.get(key).asBoolean())) {
                return new EgressPolicy.Refusal(403, "cloud-body", key + " makes Azure act beyond this request; it is not relayed");
            }
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
