package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Package registries through the proxy: the allow-listed registry (the npm registry this machine
 * already uses, read from its npm configuration) answers through CONNECT; a server on loopback that
 * is not listed is refused and never connected to; every tunnel is audited.
 */
class RegistryIT {
    @TempDir
    Path tmp;

    static String npmRegistry() throws Exception {
        Process p = new ProcessBuilder("npm", "config", "get", "registry").redirectErrorStream(true).start();
        String url = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return url;
    }

    @Test
    void anAllowListedRegistryAnswersAndAnyOtherHostIsRefused() throws Exception {
        URI registry = URI.create(npmRegistry());
        String host = registry.getHost();
        int port = registry.getPort() > 0 ? registry.getPort() : "https".equals(registry.getScheme()) ? 443 : 80;
        AtomicInteger decoyHits = new AtomicInteger();
        try (ServerSocket decoy = new ServerSocket()) {
            decoy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> {
                while (!decoy.isClosed()) {
                    try (Socket s = decoy.accept()) {
                        decoyHits.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            SampleRepo repo = SampleRepo.create(tmp);
            Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "version: 1\nproxy:\n  registries: [\"" + host + ":" + port + "\"]\n");
            String agent = """
                    python3 - <<'PY'
                    import http.client, os, ssl, socket
                    out = []
                    # the allow-listed registry, through the proxy (HTTPS_PROXY is set for package managers)
                    s = socket.create_connection(("127.0.0.1", 8080), timeout=30)
                    s.sendall(b"CONNECT %1$s:%2$d HTTP/1.1\\r\\nHost: %1$s:%2$d\\r\\n\\r\\n")
                    head = b""
                    while b"\\r\\n\\r\\n" not in head:
                        head += s.recv(1)
                    t = ssl._create_unverified_context().wrap_socket(s, server_hostname="%1$s")
                    t.sendall(b"GET /is-number HTTP/1.1\\r\\nHost: %1$s\\r\\nAccept: application/json\\r\\nConnection: close\\r\\n\\r\\n")
                    body = b""
                    while True:
                        d = t.recv(65536)
                        if not d: break
                        body += d
                    out.append("registry " + body.split(b"\\r\\n")[0].decode() + " " + str(b"is-number" in body))
                    # a host that is not listed: refused by the proxy
                    s = socket.create_connection(("127.0.0.1", 8080)); s.sendall(b"CONNECT 127.0.0.1:%3$d HTTP/1.1\\r\\n\\r\\n")
                    out.append("decoy " + s.recv(100).decode().split("\\r\\n")[0])
                    # and no direct way out
                    try:
                        socket.create_connection(("%1$s", %2$d), timeout=5); out.append("DIRECT OPEN")
                    except OSError as e:
                        out.append("direct blocked")
                    open("NET.txt", "w").write("\\n".join(out) + "\\n")
                    print(os.environ.get("HTTPS_PROXY"))
                    PY
                    """.formatted(host, port, decoy.getLocalPort());
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "fetch", "--image", TestHost.IMAGE, "--command", agent,
                    "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
            assertThat(r.exitCode).as(r.toString()).isZero();
            String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("b/run.json").toFile()).get("headCommit").asText();
            String net = repo.fileAt(head, "NET.txt");
            assertThat(net).contains("registry HTTP/1.1 200 OK True").contains("decoy HTTP/1.1 403").contains("direct blocked").doesNotContain("DIRECT OPEN");
            assertThat(r.out).contains("http://127.0.0.1:8080");
            String audit = Files.readString(tmp.resolve("b/audit.jsonl"));
            assertThat(audit).contains("\"method\":\"CONNECT\"").contains("\"path\":\"" + host + ":" + port + "\"").contains("\"refusedBy\":\"registry\"");
        }
        assertThat(decoyHits.get()).isZero();
    }
}
