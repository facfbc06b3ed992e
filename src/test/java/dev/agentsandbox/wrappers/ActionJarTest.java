package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The action's jar step (github-action/scripts/jar.sh) with the runner's file conventions: a jar
 * passed on from a build job or downloaded from a release (a local stand-in here) reaches the later
 * steps as AGENT_SANDBOX_JAR only when its SHA-256 agrees; a download is never run unchecked.
 */
class ActionJarTest {
    static final byte[] JAR = "PK\u0003\u0004 not really a jar".getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path tmp;
    HttpServer server;
    String sha;

    @BeforeEach
    void start() throws Exception {
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(JAR));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            boolean found = ex.getRequestURI().getPath().equals("/v1.2.3/agent-sandbox.jar");
            ex.sendResponseHeaders(found ? 200 : 404, found ? JAR.length : -1);
            if (found) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(JAR);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    record Step(int code, String log, String env) {
    }

    Step jar(Map<String, String> inputs) throws Exception {
        Path env = tmp.resolve("github_env");
        Files.deleteIfExists(env);
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("github-action/scripts/jar.sh").toAbsolutePath().toString())
                .directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GITHUB_") || k.startsWith("INPUT_") || k.startsWith("RUNNER_"));
        pb.environment().putAll(Map.of("GITHUB_ENV", env.toString(), "RUNNER_TEMP", tmp.toString()));
        pb.environment().putAll(inputs);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        return new Step(code, log, Files.exists(env) ? Files.readString(env) : "");
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void aJarPassedOnIsUsedWhenItsChecksumAgrees() throws Exception {
        Path built = Files.write(tmp.resolve("agent-sandbox.jar"), JAR);
        Step ok = jar(Map.of("INPUT_JAR", "agent-sandbox.jar", "INPUT_JAR_SHA256", sha.toUpperCase()));
        assertThat(ok.code).as(ok.log).isZero();
        assertThat(ok.env).isEqualTo("AGENT_SANDBOX_JAR=" + built.toRealPath() + "\n");

        Step wrong = jar(Map.of("INPUT_JAR", built.toString(), "INPUT_JAR_SHA256", "0".repeat(64)));
        assertThat(wrong.code).isEqualTo(2);
        assertThat(wrong.log).contains("::error::agent-sandbox: jar " + built + " has SHA-256 " + sha).contains("not using it");
        assertThat(wrong.env).isEmpty();

        Step missing = jar(Map.of("INPUT_JAR", "nowhere.jar"));
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.log).contains("jar nowhere.jar does not exist");
    }

    @Test
    void aReleasedJarIsDownloadedAndCheckedAndNeverRunUnchecked() throws Exception {
        Step ok = jar(Map.of("INPUT_JAR_URL", url("/v1.2.3/agent-sandbox.jar"), "INPUT_JAR_SHA256", sha));
        assertThat(ok.code).as(ok.log).isZero();
        Path got = Path.of(ok.env.strip().substring("AGENT_SANDBOX_JAR=".length()));
        assertThat(got).hasBinaryContent(JAR).startsWith(tmp);

        Step unchecked = jar(Map.of("INPUT_JAR_URL", url("/v1.2.3/agent-sandbox.jar")));
        assertThat(unchecked.code).isEqualTo(2);
        assertThat(unchecked.log).contains("jar-url needs jar-sha256");

        Step tampered = jar(Map.of("INPUT_JAR_URL", url("/v1.2.3/agent-sandbox.jar"), "INPUT_JAR_SHA256", "ab".repeat(32)));
        assertThat(tampered.code).isEqualTo(2);
        assertThat(tampered.log).contains("the jar downloaded from").contains("not using it");
        assertThat(tampered.env).isEmpty();
        try (var files = Files.list(tmp)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith("agent-sandbox-")).count()).as("the bad download is removed").isEqualTo(1);
        }

        assertThat(jar(Map.of("INPUT_JAR_URL", "http://downloads.example.com/a.jar", "INPUT_JAR_SHA256", sha)).log).contains("jar-url must be https");
        assertThat(jar(Map.of("INPUT_JAR_URL", url("/v9/agent-sandbox.jar"), "INPUT_JAR_SHA256", sha)).log).contains("cannot download");
        assertThat(jar(Map.of("INPUT_JAR", "a.jar", "INPUT_JAR_URL", url("/x"))).log).contains("give jar or jar-url, not both");
    }
}
