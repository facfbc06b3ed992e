package dev.agentsandbox.wrappers;

import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.testing.RunnerUser;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A release as scripts/release.sh makes it (what the release workflow publishes for a tag), served
 * on loopback the way GitHub serves release assets: {@code /vX.Y.Z/NAME}. The jar is the one under
 * test. Not GitHub: no redirects to object storage.
 */
final class ReleaseServer implements AutoCloseable {
    static final String VERSION = "1.0.0";
    final Path assets;
    final String sha256;
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    /** Bytes served instead of the jar, for a tampered download. */
    volatile byte[] jarOverride;

    ReleaseServer(Path dir) throws IOException, InterruptedException {
        assets = Files.createDirectories(dir);
        var r = RunnerUser.ROOT.exec(List.of("bash", Path.of("scripts/release.sh").toAbsolutePath().toString(), VERSION, assets.toString()),
                Path.of("").toAbsolutePath(), Map.of("AGENT_SANDBOX_RELEASE_JAR", System.getProperty("agentsandbox.jar")));
        if (r.exitCode() != 0) {
            throw new IOException("scripts/release.sh failed: " + r.out());
        }
        sha256 = Files.readString(assets.resolve("agent-sandbox.jar.sha256")).split(" ")[0];
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.add(path);
            Path file = path.startsWith("/v" + VERSION + "/") ? assets.resolve(path.substring(("/v" + VERSION + "/").length())) : null;
            byte[] body = file == null || !Files.isRegularFile(file) ? null
                    : file.getFileName().toString().equals("agent-sandbox.jar") && jarOverride != null ? jarOverride : Files.readAllBytes(file);
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    /** Where releases are downloaded from (AGENT_SANDBOX_RELEASES). */
    String releases() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jarUrl() {
        return releases() + "/v" + VERSION + "/agent-sandbox.jar";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
