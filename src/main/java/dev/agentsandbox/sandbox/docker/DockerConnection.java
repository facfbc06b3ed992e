package dev.agentsandbox.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.agentsandbox.error.InfrastructureException;
import java.time.Duration;

/** Opens a docker-java client on DOCKER_HOST (or the default socket) and checks the daemon answers. */
public final class DockerConnection {
    private final DockerClient client;
    private final DockerApi api;
    private final String endpoint;

    private DockerConnection(DockerClient client, DockerApi api, String endpoint) {
        this.client = client;
        this.api = api;
        this.endpoint = endpoint;
    }

    public static DockerConnection open() throws InfrastructureException {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        String endpoint = String.valueOf(config.getDockerHost());
        var http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        DockerClient client = DockerClientImpl.getInstance(config, http);
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            try {
                client.close();
            } catch (java.io.IOException ignored) {
                // The connection never worked; the ping's error is the one to report.
            }
            throw new InfrastructureException("cannot reach the Docker daemon at " + endpoint + ": "
                    + DockerSandbox.firstLine(e.getMessage())
                    + ". Start it (scripts/setup-host.sh does) or set DOCKER_HOST.", e);
        }
        var version = config.getApiVersion();
        return new DockerConnection(client, new DockerApi(http,
                version.equals(com.github.dockerjava.core.RemoteApiVersion.UNKNOWN_VERSION) ? "" : "/" + version.asWebPathPart()), endpoint);
    }

    public DockerClient client() {
        return client;
    }

    public String endpoint() {
        return endpoint;
    }

    /** A sandbox backend over this connection; closing it closes the connection. */
    public DockerSandbox sandbox() {
        return new DockerSandbox(client, api, endpoint);
    }
}
