package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker daemon of the test's own (own socket, data and state folders, network namespace,
 * no bridge, the host's runsc): a test may stop and restart it without breaking other runs that use the host's
 * daemon, as CI jobs side by side do.
 */
public final class PrivateDockerd implements AutoCloseable {
    private final Path dir;
    private Process daemon;

    private PrivateDockerd(Path dir) {
        this.dir = dir;
    }

    /** Starts a daemon in {@code dir} (a short path: the socket's name must fit) and loads these images of the host's into it. */
    public static PrivateDockerd start(Path dir, String... images) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("daemon.json"), Files.readString(Path.of("/etc/docker/daemon.json")));
        PrivateDockerd d = new PrivateDockerd(dir);
        d.startDaemon();
        for (String image : images) {
            Process p = new ProcessBuilder("sh", "-c", "docker save \"$1\" | DOCKER_HOST=\"$2\" docker load", "load", image, d.host())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
        }
        return d;
    }

    public String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    /** The environment a process needs to use this daemon. */
    public Map<String, String> env() {
        return Map.of("DOCKER_HOST", host());
    }

    private void startDaemon() throws Exception {
        // In a network namespace of its own: with no bridge, dockerd deletes docker0, which is the host daemon's.
        daemon = new ProcessBuilder("unshare", "--net", "dockerd", "--config-file", dir.resolve("daemon.json").toString(), "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("docker.pid").toString(), "-H", host(),
                "--bridge", "none", "--iptables=false", "--ip-masq=false")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile())).start();
        Instant up = Instant.now().plusSeconds(60);
        while (docker("info").exitCode() != 0) {
            assertThat(daemon.isAlive()).as(Files.readString(dir.resolve("dockerd.log"))).isTrue();
            assertThat(Instant.now()).as("the private dockerd answers").isBefore(up);
            Thread.sleep(200);
        }
    }

    private void stopDaemon() throws Exception {
        daemon.destroy(); // SIGTERM: the daemon's own shutdown, as systemctl stop does
        if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
            daemon.destroyForcibly().waitFor();
        }
    }

    /** Stops the daemon and starts it again, as `systemctl restart docker` does to the host's. */
    public void restart() throws Exception {
        stopDaemon();
        startDaemon();
    }

    public RunnerUser.Result docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", host());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new RunnerUser.Result(p.waitFor(), out);
    }

    /** Names of containers (all, running or not) with this label. */
    public List<String> containers(String label, String value) throws Exception {
        return lines(docker("ps", "-aq", "--filter", "label=" + label + "=" + value));
    }

    public List<String> volumes(String label, String value) throws Exception {
        return lines(docker("volume", "ls", "-q", "--filter", "label=" + label + "=" + value));
    }

    private static List<String> lines(RunnerUser.Result r) {
        assertThat(r.exitCode()).as(r.out()).isZero();
        return r.out().lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public void close() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            for (String id : lines(docker("ps", "-aq"))) {
                docker("rm", "-f", "-v", id);
            }
            stopDaemon();
        }
        // The daemon's layer mounts under its data root, deepest first, then its folder.
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(m -> m.startsWith(dir + "/")).sorted(Comparator.reverseOrder()).toList();
        for (String m : mounts) {
            new ProcessBuilder("umount", "-l", m).start().waitFor();
        }
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }
}
