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
 * DOCKER_CONTEXT or by config.json's currentContext (in DOCKER_CONFIG, default ~/.docker), with
 * its TLS folder; else the default socket. TLS as DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (default:
 * the config folder) ask, with the JDK's own certificate and key readers; TLS without
 * verification is refused, never downgraded. DOCKER_API_VERSION pins the API version.
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
        Context context = set(env, "DOCKER_HOST") ? new Context("DOCKER_HOST", env.get("DOCKER_HOST").strip(), null) : context(env, config);
        URI uri = address(context);
        SSLConfig tls = null;
        if (set(env, "DOCKER_TLS_VERIFY")) { // as the docker CLI: any value turns verification on
            tls = tls(set(env, "DOCKER_CERT_PATH") ? Path.of(env.get("DOCKER_CERT_PATH")) : config, "DOCKER_CERT_PATH");
        } else if (set(env, "DOCKER_TLS")) {
            throw new InfrastructureException("DOCKER_TLS asks for TLS without checking the daemon's certificate, which this tool does not do:"
                    + " set DOCKER_TLS_VERIFY=1 (with ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH) instead");
        } else if (context.tls() != null) {
            tls = tls(context.tls(), "the docker context's TLS folder");
        }
        if (uri.getScheme().equals("tcp") && uri.getPort() < 0) {
            uri = URI.create("tcp://" + uri.getHost() + ":" + (tls != null ? 2376 : 2375)); // the CLI's default ports
        }
        String version = set(env, "DOCKER_API_VERSION") ? env.get("DOCKER_API_VERSION").strip() : "";
        if (!version.isEmpty() && !version.matches("1\\.[0-9]{1,3}")) {
            throw new InfrastructureException("DOCKER_API_VERSION '" + version + "' is not an API version such as 1.41");
        }
        return new DockerEndpoint(uri, tls, version.isEmpty() ? "" : "/v" + version);
    }

    /** Where an address came from (DOCKER_HOST, or a named context), the address, and the context's TLS folder (null: none). */
    private record Context(String source, String host, Path tls) {
    }

    private static URI address(Context c) throws InfrastructureException {
        String host = c.host().equals("unix://") ? DEFAULT_HOST : c.host();
        URI uri;
        try {
            uri = new URI(host);
        } catch (java.net.URISyntaxException e) {
            throw new InfrastructureException(c.source() + " is not an address: '" + host + "'. Use unix:///path/to/docker.sock or tcp://host:port", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (scheme.equals("ssh") || scheme.equals("fd") || scheme.equals("npipe")) {
            throw new InfrastructureException(c.source() + " '" + host + "' is a " + scheme + ":// address, which this tool does not speak:"
                    + " point it at the daemon's socket (unix://) or its TLS address (tcp://)");
        }
        if (!scheme.equals("unix") && !scheme.equals("tcp")) {
            throw new InfrastructureException(c.source() + " '" + host + "' is neither unix:// nor tcp://: set it to the daemon's socket or address");
        }
        if (scheme.equals("unix") && (uri.getRawAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/"))) {
            throw new InfrastructureException(c.source() + " '" + host + "' names no absolute socket path: write unix:///var/run/docker.sock"
                    + " (three slashes)");
        }
        if (scheme.equals("tcp") && uri.getHost() == null) {
            throw new InfrastructureException(c.source() + " '" + host + "' names no host: write tcp://host:port");
        }
        return uri;
    }

    private static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    /**
     * The context named by DOCKER_CONTEXT or config.json's currentContext: its address from its meta
     * file and its TLS folder, both named by the hex SHA-256 of the context's name, as the CLI stores them.
     */
    private static Context context(Map<String, String> env, Path config) throws InfrastructureException {
        String context = set(env, "DOCKER_CONTEXT") ? env.get("DOCKER_CONTEXT").strip() : null;
        try {
            if (context == null && Files.isRegularFile(config.resolve("config.json"))) {
                JsonNode c = JSON.readTree(config.resolve("config.json").toFile());
                context = c.path("currentContext").asText(null);
            }
            if (context == null || context.isEmpty() || context.equals("default")) {
                return new Context("the default socket", DEFAULT_HOST, null);
            }
            String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(context.getBytes(StandardCharsets.UTF_8)));
            Path meta = config.resolve("contexts/meta").resolve(id).resolve("meta.json");
            if (!Files.isRegularFile(meta)) {
                throw new InfrastructureException("the docker context '" + context + "' has no meta file at " + meta
                        + ": set DOCKER_HOST, or pick an existing context (`docker context ls`)");
            }
            JsonNode docker = JSON.readTree(meta.toFile()).path("Endpoints").path("docker");
            String h = docker.path("Host").asText("");
            if (h.isEmpty()) {
                throw new InfrastructureException("the docker context '" + context + "' names no Docker host in " + meta + ": set DOCKER_HOST");
            }
            if (docker.path("SkipTLSVerify").asBoolean(false)) {
                throw new InfrastructureException("the docker context '" + context + "' skips checking the daemon's certificate"
                        + " (SkipTLSVerify), which this tool does not do: give the context a CA (`docker context update --docker ca=…`)");
            }
            Path tls = config.resolve("contexts/tls").resolve(id).resolve("docker");
            return new Context("the docker context '" + context + "'", h, Files.isDirectory(tls) ? tls : null);
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the docker client's configuration in " + config + ": " + e.getMessage()
                    + ". Set DOCKER_HOST to bypass it", e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ca.pem to trust, cert.pem and key.pem (PKCS#8) to present: read once, here, so a bad file fails before any call. */
    private static SSLConfig tls(Path dir, String what) throws InfrastructureException {
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
            if (n == 0 || chain.isEmpty()) {
                throw new java.security.cert.CertificateException((n == 0 ? "ca.pem" : "cert.pem") + " holds no certificate");
            }
            PrivateKey key = privateKey(dir.resolve("key.pem"), chain.get(0).getPublicKey().getAlgorithm());
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
            throw new InfrastructureException("cannot use the Docker TLS files in " + what + " " + dir + " (ca.pem, cert.pem, key.pem): "
                    + e.getMessage(), e);
        }
    }

    /** An unencrypted PKCS#8 key, or a PKCS#1 RSA key wrapped into PKCS#8 (what `openssl genrsa` wrote before OpenSSL 3). */
    private static PrivateKey privateKey(Path file, String algorithm) throws IOException, java.security.GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        byte[] pkcs8 = block(pem, "PRIVATE KEY");
        if (pkcs8 == null) {
            byte[] rsa = block(pem, "RSA PRIVATE KEY");
            if (rsa != null) {
                // PrivateKeyInfo { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING { the PKCS#1 key } }
                byte[] algorithmId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
                pkcs8 = der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithmId, der(0x04, rsa)));
                algorithm = "RSA";
            }
        }
        if (pkcs8 == null) {
            throw new java.security.InvalidKeyException(file.getFileName() + " is neither an unencrypted PKCS#8 key (BEGIN PRIVATE KEY) nor an RSA key"
                    + " (BEGIN RSA PRIVATE KEY); convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pem.new` and put that in its place");
        }
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    private static byte[] block(String pem, String label) {
        String begin = "-----BEGIN " + label + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf("-----END " + label + "-----");
        return from < 0 || to < from ? null : Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] length = n < 0x80 ? new byte[] {(byte) n} : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n} : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        return concat(new byte[] {(byte) tag}, length, content);
    }

    private static byte[] concat(byte[]... parts) {
        var out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
