package dev.agentsandbox.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.InfrastructureException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon the CLI talks to is the one the docker CLI would: the variables, the context, TLS; bad settings name themselves. */
class DockerEndpointTest {
    @TempDir
    Path home;

    @Test
    void withNothingSetItIsTheDefaultSocketAndTheDaemonsOwnApiVersion() throws Exception {
        DockerEndpoint e = DockerEndpoint.resolve(Map.of(), home);
        assertThat(e.host()).hasToString("unix:///var/run/docker.sock");
        assertThat(e.tls()).isNull();
        assertThat(e.apiVersion()).isEmpty();
    }

    @Test
    void dockerHostAndApiVersionAreTakenAndNonsenseIsRefused() throws Exception {
        DockerEndpoint e = DockerEndpoint.resolve(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375", "DOCKER_API_VERSION", "1.41"), home);
        assertThat(e.host()).hasToString("tcp://127.0.0.1:2375");
        assertThat(e.apiVersion()).isEqualTo("/v1.41");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_HOST", "http://x:1"), home))
                .isInstanceOf(InfrastructureException.class).hasMessageContaining("neither unix:// nor tcp://");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_API_VERSION", "1.41/../../x"), home))
                .hasMessageContaining("not an API version");
    }

    @Test
    void theCurrentContextOrDockerContextNamesTheHost() throws Exception {
        Path config = home.resolve(".docker");
        Files.createDirectories(config);
        Files.writeString(config.resolve("config.json"), "{\"currentContext\":\"remote\"}");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of(), home)).hasMessageContaining("context 'remote' has no meta file");
        meta(config, "remote", "unix:///run/user/1001/docker.sock");
        meta(config, "other", "tcp://10.0.0.1:2376");
        assertThat(DockerEndpoint.resolve(Map.of(), home).host()).hasToString("unix:///run/user/1001/docker.sock");
        assertThat(DockerEndpoint.resolve(Map.of("DOCKER_CONTEXT", "other"), home).host()).hasToString("tcp://10.0.0.1:2376");
        assertThat(DockerEndpoint.resolve(Map.of("DOCKER_CONTEXT", "default"), home).host()).hasToString(DockerEndpoint.DEFAULT_HOST);
        assertThat(DockerEndpoint.resolve(Map.of("DOCKER_HOST", "unix:///x.sock", "DOCKER_CONTEXT", "other"), home).host())
                .as("DOCKER_HOST wins").hasToString("unix:///x.sock");
    }

    @Test
    void tlsNeedsItsFilesAndAPkcs8KeyAndSaysHowToConvertAnother() throws Exception {
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY", "1"), home))
                .hasMessageContaining("DOCKER_CERT_PATH is not set");
        Path certs = home.resolve("certs");
        Files.createDirectories(certs);
        openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=client");
        Files.copy(certs.resolve("cert.pem"), certs.resolve("ca.pem"));
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString());
        assertThat(DockerEndpoint.resolve(env, home).tls().getSSLContext().getProtocol()).isEqualTo("TLS");

        openssl(certs, "rsa", "-in", "key.pem", "-traditional", "-out", "key.pem");
        assertThat(Files.readString(certs.resolve("key.pem"))).contains("BEGIN RSA PRIVATE KEY");
        assertThatThrownBy(() -> DockerEndpoint.resolve(env, home)).hasMessageContaining("DOCKER_CERT_PATH " + certs)
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    private static void meta(Path config, String name, String host) throws Exception {
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
        Path dir = config.resolve("contexts/meta").resolve(id);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("meta.json"), "{\"Name\":\"" + name + "\",\"Endpoints\":{\"docker\":{\"Host\":\"" + host + "\"}}}");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}
