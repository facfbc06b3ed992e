package dev.agentsandbox.proxy;

/**
 * One request through the proxy, as the audit log records it. Never carries a key or, unless
 * bodies are recorded on purpose, a prompt or a response.
 *
 * @param method HTTP method
 * @param provider the provider named in the path
 * @param upstream the upstream host, or null when refused before routing
 * @param path the path after the provider
 * @param status the status sent to the client
 * @param bytesIn request body bytes
 * @param bytesOut response body bytes
 * @param millis latency to the last byte
 * @param model the model the request named, if any
 * @param inputTokens input tokens the upstream reported
 * @param outputTokens output tokens the upstream reported
 * @param refusedBy the rule that refused the request, or null
 * @param toolCalls the tool calls the answer asked the agent to make (previews not yet redacted)
 */
public record ProxyEvent(String method, String provider, String upstream, String path, int status, long bytesIn, long bytesOut,
                         long millis, String model, long inputTokens, long outputTokens, String refusedBy,
                         java.util.List<ToolCalls.ToolCall> toolCalls) {
    public ProxyEvent {
        toolCalls = toolCalls == null ? java.util.List.of() : java.util.List.copyOf(toolCalls);
    }

    public ProxyEvent withToolCalls(java.util.List<ToolCalls.ToolCall> calls) {
        return new ProxyEvent(method, provider, upstream, path, status, bytesIn, bytesOut, millis, model, inputTokens, outputTokens, refusedBy, calls);
    }
}
