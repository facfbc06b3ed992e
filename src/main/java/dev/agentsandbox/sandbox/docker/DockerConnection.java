package dev.agentsandbox.sandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.agentsandbox.error.InfrastructureException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Opens the Engine API on the daemon the docker CLI would use ({@link DockerEndpoint}) over
 * docker-java's HTTP transport alone, and checks the daemon answers.
 */
public final class DockerConnection {
    private final ApacheDockerHttpClient http;
    private final DockerApi api;
    private final String endpoint;

    private DockerConnection(ApacheDockerHttpClient http, DockerApi api, String endpoint) {
        this.http = http;
        this.api = api;
        this.endpoint = endpoint;
    }

    public static DockerConnection open() throws InfrastructureException {
        DockerEndpoint where = DockerEndpoint.resolve(System.getenv(), Path.of(System.getProperty("user.home")));
        String endpoint = where.host().toString();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(where.host())
                .sslConfig(where.tls())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        DockerApi api = new DockerApi(http, where.apiVersion());
        try {
            api.ping();
        } catch (DockerApi.Refused | RuntimeException e) {
            close(http);
            String why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
            throw new InfrastructureException("cannot reach the Docker daemon at " + endpoint + ": " + DockerSandbox.firstLine(why)
                    + ". Start it (scripts/setup-host.sh does) or set DOCKER_HOST.", e);
        }
        return new DockerConnection(http, api, endpoint);
    }

    /** The daemon's GET /info: version, cgroups, runtimes. */
    public JsonNode info() throws InfrastructureException {
        try {
            return api.get("/info");
        } catch (DockerApi.Refused | RuntimeException e) {
            throw new InfrastructureException("the Docker daemon at " + endpoint + " did not describe itself: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    public String endpoint() {
        return endpoint;
    }

    /** A sandbox backend over this connection; closing it closes the connection. */
    public DockerSandbox sandbox() {
        return new DockerSandbox(http, api, endpoint);
    }

    static void close(ApacheDockerHttpClient http) {
        try {
            http.close();
        } catch (java.io.IOException e) {
            System.err.println("agent-sandbox: closing the Docker connection failed: " + e.getMessage());
        }
    }
}
