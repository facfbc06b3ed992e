package dev.agentsandbox.config;

/**
 * Where the audit log goes besides the bundle.
 *
 * @param otlpEndpoint an OpenTelemetry collector's OTLP/HTTP base URL (events go to {@code /v1/logs}); null: none
 * @param otlpHeadersEnv the host variable holding extra request headers ({@code k=v,k2=v2}, as OTEL_EXPORTER_OTLP_HEADERS); null: none
 */
public record AuditConfig(String otlpEndpoint, String otlpHeadersEnv) {
    public static final AuditConfig DEFAULT = new AuditConfig(null, null);
}
