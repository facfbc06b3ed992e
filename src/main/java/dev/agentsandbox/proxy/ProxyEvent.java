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
 */
public record ProxyEvent(String method, String provider, String upstream, String path, int status, long bytesIn, long bytesOut,
                         long millis, String model, long inputTokens, long outputTokens, String refusedBy) {
}
