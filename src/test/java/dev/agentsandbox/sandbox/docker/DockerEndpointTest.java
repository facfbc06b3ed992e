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
    void addressesAreReadAsTheCliReadsThemAndOthersAreRefusedNamingWhereTheyCameFrom() throws Exception {
        assertThat(DockerEndpoint.resolve(Map.of("DOCKER_HOST", "unix://"), home).host()).hasToString(DockerEndpoint.DEFAULT_HOST);
        assertThat(DockerEndpoint.resolve(Map.of("DOCKER_HOST", "tcp://127.0.0.1"), home).host()).hasToString("tcp://127.0.0.1:2375");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_HOST", "unix://var/run/docker.sock"), home))
                .hasMessageContaining("names no absolute socket path").hasMessageContaining("three slashes");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_HOST", "ssh://me@host"), home))
                .hasMessageContaining("DOCKER_HOST 'ssh://me@host' is a ssh:// address, which this tool does not speak");
        Path config = home.resolve(".docker");
        meta(config, "remote", "fd://");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_CONTEXT", "remote"), home)).hasMessageContaining("the docker context 'remote'");
    }

    @Test
    void tlsIsNeverDowngradedAndReadsTheKeysTheCliWrites() throws Exception {
        Path certs = home.resolve(".docker");
        Files.createDirectories(certs);
        Map<String, String> verify = Map.of("DOCKER_HOST", "tcp://127.0.0.1", "DOCKER_TLS_VERIFY", "0");
        assertThatThrownBy(() -> DockerEndpoint.resolve(verify, home)).as("any value turns verification on, as for the docker CLI")
                .hasMessageContaining("cannot use the Docker TLS files in DOCKER_CERT_PATH " + certs);
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS", "1"), home))
                .hasMessageContaining("without checking the daemon's certificate");
        keys(certs);
        DockerEndpoint e = DockerEndpoint.resolve(verify, home);
        assertThat(e.tls().getSSLContext().getProtocol()).isEqualTo("TLS");
        assertThat(e.host()).as("the TLS port by default").hasToString("tcp://127.0.0.1:2376");

        openssl(certs, "rsa", "-in", "key.pem", "-traditional", "-out", "key.pem");
        assertThat(Files.readString(certs.resolve("key.pem"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(DockerEndpoint.resolve(verify, home).tls()).as("a PKCS#1 key, as older openssl genrsa writes").isNotNull();
        Files.writeString(certs.resolve("key.pem"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> DockerEndpoint.resolve(verify, home)).hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        Files.writeString(certs.resolve("cert.pem"), "");
        assertThatThrownBy(() -> DockerEndpoint.resolve(verify, home)).hasMessageContaining("cert.pem holds no certificate");
    }

    @Test
    void aContextsTlsFolderIsUsedAndOneThatSkipsVerificationIsRefused() throws Exception {
        Path config = home.resolve(".docker");
        meta(config, "tls", "tcp://127.0.0.1:2376");
        Path tls = config.resolve("contexts/tls").resolve(id("tls")).resolve("docker");
        Files.createDirectories(tls);
        keys(tls);
        assertThat(DockerEndpoint.resolve(Map.of("DOCKER_CONTEXT", "tls"), home).tls()).as("never plain HTTP to a TLS context").isNotNull();
        Files.delete(tls.resolve("ca.pem"));
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_CONTEXT", "tls"), home)).hasMessageContaining("the docker context's TLS folder");
        Path dir = config.resolve("contexts/meta").resolve(id("skip"));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("meta.json"), "{\"Endpoints\":{\"docker\":{\"Host\":\"tcp://h:2376\",\"SkipTLSVerify\":true}}}");
        assertThatThrownBy(() -> DockerEndpoint.resolve(Map.of("DOCKER_CONTEXT", "skip"), home)).hasMessageContaining("SkipTLSVerify");
    }

    private static void keys(Path dir) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=client");
        Files.copy(dir.resolve("cert.pem"), dir.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String id(String name) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
    }

    private static void meta(Path config, String name, String host) throws Exception {
        Path dir = config.resolve("contexts/meta").resolve(id(name));
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
