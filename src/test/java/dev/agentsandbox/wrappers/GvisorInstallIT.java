package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * scripts/install-gvisor.sh, what the GitHub Action runs on a hosted runner, against a local stand-in
 * for gVisor's release bucket serving a real runsc build (this host's) and its SHA-512: the release
 * is checked, registered with the real Docker daemon under a runtime name of the test's own, and a
 * container starts with it; a second run changes nothing; a wrong checksum installs nothing.
 */
class GvisorInstallIT {
    static final Path SCRIPT = Path.of("scripts/install-gvisor.sh").toAbsolutePath();
    static final String VERSION = "20991231.0";
    static final String IMAGE = System.getenv().getOrDefault("AGENT_SANDBOX_TEST_IMAGE", "agent-sandbox/test-base:bookworm");

    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    byte[] runsc;
    volatile String checksum;
    Path bin;
    String runtime;

    @BeforeEach
    void start() throws Exception {
        runsc = Files.readAllBytes(Path.of(sh("command -v runsc").strip()));
        checksum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(runsc)) + "  runsc\n";
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.add(path);
            byte[] body = path.equals("/" + VERSION + "/x86_64/runsc") ? runsc
                    : path.equals("/" + VERSION + "/x86_64/runsc.sha512") ? checksum.getBytes(StandardCharsets.US_ASCII) : null;
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        server.start();
        // runsc re-executes itself as nobody: its folder must be readable by all, unlike a JUnit temp dir.
        bin = Files.createTempDirectory(Path.of("/tmp"), "gvisor-install-it-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        runtime = "runsc-install-it-" + ProcessHandle.current().pid();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop(0);
        // Leave the daemon as it was: the test's runtime out of daemon.json, the daemon reloaded.
        sh("tmp=$(mktemp) && jq 'del(.runtimes[\"" + runtime + "\"]) | del(.runtimes[\"" + runtime + "-kvm\"]) | del(.runtimes[\"" + runtime + "-services\"])' /etc/docker/daemon.json > \"$tmp\" && cat \"$tmp\" > /etc/docker/daemon.json"
                + " && rm -f \"$tmp\" && kill -HUP $(pgrep -x dockerd | head -n1)");
        sh("rm -rf " + bin);
    }

    @Test
    void aCheckedReleaseIsRegisteredAndRunsAndASecondRunDoesNothing() throws Exception {
        Result first = install(Map.of());
        assertThat(first.code).as(first.out).isZero();
        assertThat(first.out).contains("installed " + bin + "/runsc").contains("registered the Docker runtime '" + runtime + "'");
        assertThat(requests).containsExactly("/" + VERSION + "/x86_64/runsc", "/" + VERSION + "/x86_64/runsc.sha512");
        String daemon = Files.readString(Path.of("/etc/docker/daemon.json"));
        assertThat(daemon).contains("\"" + runtime + "\"").contains(bin + "/runsc").contains("--network=none").contains("--host-uds=open");
        assertThat(daemon).as("the runtime of checks' services beside it, allowed to bind sockets").contains("\"" + runtime + "-services\"")
                .contains("--host-uds=create");
        if (Files.exists(Path.of("/dev/kvm"))) {
            assertThat(daemon).as("the KVM platform registered beside it, for sandbox.platform: kvm").contains("\"" + runtime + "-kvm\"")
                    .contains("--platform=kvm");
        }
        assertThat(sh("docker run --rm --runtime " + runtime + " --network none " + IMAGE + " sh -c 'dmesg | head -n1'")).containsIgnoringCase("gvisor");

        Result again = install(Map.of());
        assertThat(again.code).as(again.out).isZero();
        assertThat(again.out).contains("already has the runtime '" + runtime + "'; nothing to do");
        assertThat(requests).hasSize(2);
    }

    @Test
    void aReleaseThatDoesNotMatchItsChecksumIsNeverInstalled() throws Exception {
        checksum = "0".repeat(128) + "  runsc\n";
        Result r = install(Map.of());
        assertThat(r.code).isNotZero();
        assertThat(r.out).contains("does not match its published SHA-512").contains("nothing was changed");
        assertThat(bin.resolve("runsc")).doesNotExist();
        assertThat(Files.readString(Path.of("/etc/docker/daemon.json"))).doesNotContain(runtime);
    }

    @Test
    void aPinnedChecksumMustAgreeWithTheRelease() throws Exception {
        Result r = install(Map.of("AGENT_SANDBOX_GVISOR_SHA512", "ab".repeat(64)));
        assertThat(r.code).isNotZero();
        assertThat(r.out).contains("does not match AGENT_SANDBOX_GVISOR_SHA512");
        assertThat(bin.resolve("runsc")).doesNotExist();
    }

    @Test
    void aMissingReleaseSaysWhatCouldNotBeDownloaded() throws Exception {
        Result r = install(Map.of("AGENT_SANDBOX_GVISOR_VERSION", "19990101.0"));
        assertThat(r.code).isNotZero();
        assertThat(r.out).contains("cannot download http://127.0.0.1:" + server.getAddress().getPort() + "/19990101.0/x86_64/runsc");
        assertThat(bin.resolve("runsc")).doesNotExist();
    }

    record Result(int code, String out) {
    }

    Result install(Map<String, String> extra) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("AGENT_SANDBOX_GVISOR_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                "AGENT_SANDBOX_GVISOR_VERSION", VERSION, "AGENT_SANDBOX_GVISOR_RUNTIME", runtime, "AGENT_SANDBOX_GVISOR_BIN", bin.toString()));
        pb.environment().putAll(extra);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    static String sh(String command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        return out;
    }
}
