package dev.agentsandbox.sandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.transport.SSLConfig;
import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which daemon to talk to, as the docker CLI decides it: DOCKER_HOST; else the context named by
 * DOCKER_CONTEXT or by config.json's currentContext (in DOCKER_CONFIG, default ~/.docker); else
 * the default socket. TLS as DOCKER_TLS_VERIFY and DOCKER_CERT_PATH ask, with the JDK's own
 * certificate and key readers; DOCKER_API_VERSION pins the API version.
 *
 * @param host the daemon's address (unix://, tcp://)
 * @param tls the client's TLS settings; null: none
 * @param apiVersion the path prefix of every call ("/v1.41"); "": the daemon's own
 */
record DockerEndpoint(URI host, SSLConfig tls, String apiVersion) {
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    private static final ObjectMapper JSON = new ObjectMapper();

    static DockerEndpoint resolve(Map<String, String> env, Path home) throws InfrastructureException {
        Path config = set(env, "DOCKER_CONFIG") ? Path.of(env.get("DOCKER_CONFIG")) : home.resolve(".docker");
        String host = set(env, "DOCKER_HOST") ? env.get("DOCKER_HOST").strip() : contextHost(env, config);
        URI uri;
        try {
            uri = URI.create(host);
        } catch (IllegalArgumentException e) {
            throw new InfrastructureException("DOCKER_HOST is not an address: '" + host + "'. Use unix:///path/to/docker.sock or tcp://host:port", e);
        }
        if (uri.getScheme() == null || !List.of("unix", "tcp", "npipe").contains(uri.getScheme())) {
            throw new InfrastructureException("DOCKER_HOST '" + host + "' is neither unix:// nor tcp://: set it to the daemon's socket or address");
        }
        String verify = set(env, "DOCKER_TLS_VERIFY") ? env.get("DOCKER_TLS_VERIFY").strip() : "";
        SSLConfig tls = null;
        if (verify.equals("1") || verify.equalsIgnoreCase("true")) {
            if (!set(env, "DOCKER_CERT_PATH")) {
                throw new InfrastructureException("DOCKER_TLS_VERIFY=" + verify + " but DOCKER_CERT_PATH is not set: set it to the folder"
                        + " holding ca.pem, cert.pem and key.pem");
            }
            tls = tls(Path.of(env.get("DOCKER_CERT_PATH")));
        }
        String version = set(env, "DOCKER_API_VERSION") ? env.get("DOCKER_API_VERSION").strip() : "";
        if (!version.isEmpty() && !version.matches("1\\.[0-9]{1,3}")) {
            throw new InfrastructureException("DOCKER_API_VERSION '" + version + "' is not an API version such as 1.41");
        }
        return new DockerEndpoint(uri, tls, version.isEmpty() ? "" : "/v" + version);
    }

    private static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    /** The context's address from its meta file, named by the hex SHA-256 of the context's name, as the CLI stores it. */
    private static String contextHost(Map<String, String> env, Path config) throws InfrastructureException {
        String context = set(env, "DOCKER_CONTEXT") ? env.get("DOCKER_CONTEXT").strip() : null;
        try {
            if (context == null && Files.isRegularFile(config.resolve("config.json"))) {
                JsonNode c = JSON.readTree(config.resolve("config.json").toFile());
                context = c.path("currentContext").asText(null);
            }
            if (context == null || context.isEmpty() || context.equals("default")) {
                return DEFAULT_HOST;
            }
            String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(context.getBytes(StandardCharsets.UTF_8)));
            Path meta = config.resolve("contexts/meta").resolve(id).resolve("meta.json");
            if (!Files.isRegularFile(meta)) {
                throw new InfrastructureException("the docker context '" + context + "' has no meta file at " + meta
                        + ": set DOCKER_HOST, or pick an existing context (`docker context ls`)");
            }
            String h = JSON.readTree(meta.toFile()).path("Endpoints").path("docker").path("Host").asText("");
            if (h.isEmpty()) {
                throw new InfrastructureException("the docker context '" + context + "' names no Docker host in " + meta + ": set DOCKER_HOST");
            }
            return h;
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the docker client's configuration in " + config + ": " + e.getMessage()
                    + ". Set DOCKER_HOST to bypass it", e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ca.pem to trust, cert.pem and key.pem (PKCS#8) to present: read once, here, so a bad file fails before any call. */
    private static SSLConfig tls(Path dir) throws InfrastructureException {
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int n = 0;
            try (var in = Files.newInputStream(dir.resolve("ca.pem"))) {
                for (Certificate c : x509.generateCertificates(in)) {
                    trust.setCertificateEntry("ca" + n++, c);
                }
            }
            List<Certificate> chain;
            try (var in = Files.newInputStream(dir.resolve("cert.pem"))) {
                chain = List.copyOf(x509.generateCertificates(in));
            }
            PrivateKey key = privateKey(dir.resolve("key.pem"), chain.isEmpty() ? "RSA" : chain.get(0).getPublicKey().getAlgorithm());
            char[] none = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", key, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return () -> context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new InfrastructureException("cannot use the Docker TLS files in DOCKER_CERT_PATH " + dir + " (ca.pem, cert.pem, key.pem): "
                    + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file, String algorithm) throws IOException, java.security.GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            throw new java.security.InvalidKeyException(file.getFileName() + " is not an unencrypted PKCS#8 key (BEGIN PRIVATE KEY); convert it with"
                    + " `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pem.new` and put that in its place");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }
}
