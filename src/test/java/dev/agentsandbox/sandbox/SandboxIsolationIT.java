package dev.agentsandbox.sandbox;

import dev.agentsandbox.sandbox.docker.DockerSandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.TestHost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each isolation property of seed 001, observed from inside a real gVisor sandbox. */
class SandboxIsolationIT {
    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() throws Exception {
        sandbox = DockerSandbox.connect();
    }

    @AfterAll
    static void close() {
        sandbox.close();
    }

    private static SandboxResult run(String script) throws Exception {
        SandboxResult r = sandbox.run(TestHost.gvisor("probe", script, Duration.ofSeconds(60)), OutputListener.NONE);
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.EXITED);
        return r;
    }

    @Test
    void theKernelIsGvisors() throws Exception {
        SandboxResult r = run("dmesg | head -n 3");
        assertThat(r.output()).contains("gVisor");
        assertThat(r.containerConfig()).containsEntry("runtime", "runsc");
    }

    @Test
    void itRunsAsNobodyWithNoCapabilities() throws Exception {
        SandboxResult r = run("id -u; id -g; grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status; grep NoNewPrivs /proc/self/status || true");
        assertThat(r.output()).startsWith("65534\n65534\n");
        assertThat(r.output()).contains("CapEff:\t0000000000000000").contains("CapPrm:\t0000000000000000");
    }

    @Test
    void rootIsReadOnlyAndTmpIsWritableButNotExecutable() throws Exception {
        SandboxResult r = run("touch /probe 2>/dev/null && echo root-writable || echo root-readonly;"
                + "touch /tmp/probe && echo tmp-writable;"
                + "cp /bin/true /tmp/t && chmod +x /tmp/t && (/tmp/t && echo tmp-exec || echo tmp-noexec)");
        assertThat(r.output()).contains("root-readonly").contains("tmp-writable").contains("tmp-noexec")
                .doesNotContain("root-writable").doesNotContain("tmp-exec\n");
    }

    @Test
    void onlyLoopbackExistsAndAServerOnThisMachineIsUnreachable() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.start();
            int port = server.getLocalPort();
            String bridge = dockerBridgeAddress();
            String script = "ls /sys/class/net 2>/dev/null | tr '\\n' ' '; echo; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | tr '\\n' ' '; echo;"
                    + "python3 - <<'PY'\n"
                    + "import socket\n"
                    + "for host in ['" + bridge + "', '127.0.0.1']:\n"
                    + "    s = socket.socket(); s.settimeout(3)\n"
                    + "    try:\n"
                    + "        s.connect((host, " + port + ")); print('connected', host)\n"
                    + "    except OSError as e:\n"
                    + "        print('refused', host, type(e).__name__)\n"
                    + "PY";
            SandboxResult r = run(script);
            String[] lines = r.output().split("\n");
            assertThat(lines[1].trim()).isEqualTo("lo");
            assertThat(r.output()).contains("refused " + bridge).contains("refused 127.0.0.1").doesNotContain("connected");
            server.close();
            t.join(5000);
        }
        assertThat(accepted.get()).isZero();
    }

    @Test
    void hostEnvironmentDockerSocketAndHomeAreInvisible(@TempDir Path tmp) throws Exception {
        String canary = System.getenv("AGENT_SANDBOX_CANARY");
        assertThat(canary).as("failsafe sets AGENT_SANDBOX_CANARY for this test").isNotBlank();
        Path home = Path.of(System.getProperty("user.home"));
        Path marker = Files.createTempFile(home, "agent-sandbox-home-canary", ".txt");
        try {
            // `test -e` rather than ls: Debian's old runsc answers statx with EINVAL.
            SandboxResult r = run("env; echo ---;"
                    + "for p in /var/run/docker.sock /run/docker.sock " + marker + " /work; do"
                    + " [ -e \"$p\" ] && echo \"present $p\" || echo \"absent $p\"; done");
            assertThat(r.output()).doesNotContain(canary).doesNotContain("AGENT_SANDBOX_CANARY");
            assertThat(r.output()).contains("absent /var/run/docker.sock", "absent /run/docker.sock",
                    "absent " + marker, "absent /work").doesNotContain("present");
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void theWorkspaceIsTheOnlyWritableMount(@TempDir Path tmp) throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Files.setPosixFilePermissions(ws, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(ws.resolve("in.txt"), "from host\n");
        SandboxResult r = sandbox.run(TestHost.gvisor("probe", "cat in.txt; echo from-sandbox > out.txt; pwd",
                Duration.ofSeconds(60), new Mount(ws, "/workspace", false)), OutputListener.NONE);
        assertThat(r.output()).contains("from host").contains("/workspace");
        assertThat(Files.readString(ws.resolve("out.txt"))).isEqualTo("from-sandbox\n");
    }

    static String dockerBridgeAddress() throws IOException {
        var nif = java.net.NetworkInterface.getByName("docker0");
        assertThat(nif).as("the docker0 bridge exists").isNotNull();
        return nif.inetAddresses().filter(a -> a instanceof java.net.Inet4Address).findFirst()
                .map(InetAddress::getHostAddress).orElseThrow();
    }
}
