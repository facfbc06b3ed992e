package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dependency caches from the host: the agent and every check see them read-only and offline, nothing
 * is written back, and folders that hold credentials are refused.
 */
class CachesIT {
    @TempDir
    Path tmp;

    @Test
    void checksRunOfflineFromAReadOnlyCacheThatNobodyCanWrite() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cache = Files.createDirectories(tmp.resolve("pycache/site"));
        Files.writeString(cache.resolve("vendored_math.py"), "def triple(x):\n    return 3 * x\n");
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                sandbox:
                  caches: [{ host: "%s", path: /cache/py }]
                checks:
                  tests:
                    command: ["sh", "-c", "PYTHONPATH=/cache/py python3 -c 'import vendored_math, calc; assert vendored_math.triple(2) == 6'\
                 && ! touch /cache/py/poisoned 2>/dev/null"]
                """.formatted(cache));
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "use the cache", "--image", TestHost.IMAGE, "--command",
                "PYTHONPATH=/cache/py python3 -c 'import vendored_math; print(vendored_math.triple(7))' > SEEN.txt; touch /cache/py/agent-wrote 2>&1 | head -1",
                "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).contains("cannot touch");
        String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("b/run.json").toFile()).get("headCommit").asText();
        assertThat(repo.fileAt(head, "SEEN.txt")).isEqualTo("21\n");
        try (var s = Files.list(cache)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("vendored_math.py");
        }
    }

    @Test
    void aCacheHoldingCredentialsOrTooWideIsRefused() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path m2 = Files.createDirectories(tmp.resolve("m2"));
        Files.writeString(m2.resolve("settings.xml"), "<settings><servers><server><password>x</password></server></servers></settings>");
        for (String host : new String[] {m2.toString(), "/etc", "~"}) {
            Path cfg = Files.writeString(tmp.resolve("c.yml"), "version: 1\nsandbox:\n  caches: [{ host: \"" + host + "\", path: /cache/x }]\n");
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                    "--config", cfg.toString(), "--bundle", tmp.resolve("b-" + host.hashCode()).toString());
            assertThat(r.exitCode).as(host + "\n" + r).isEqualTo(2);
            assertThat(r.err).contains("sandbox.caches");
        }
        // a cache only its owner can read would be an empty folder to the sandbox's user: refused, saying so
        Path privateCache = Files.createDirectories(tmp.resolve("private-cache"));
        Files.setPosixFilePermissions(privateCache, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path cfg = Files.writeString(tmp.resolve("p.yml"), "version: 1\nsandbox:\n  caches: [{ host: \"" + privateCache + "\", path: /cache/x }]\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--config", cfg.toString(), "--bundle", tmp.resolve("b-private").toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("not readable by the sandbox's user").contains("chmod -R o+rX");
    }

    /** A Unix socket anywhere in a cache would be a door out (the runtime opens host sockets for the proxy): refused, as is /run. */
    @Test
    void aCacheHoldingASocketOrInRunIsRefused() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cache = Files.createDirectories(tmp.resolve("cache/deep/er"));
        Files.setPosixFilePermissions(tmp.resolve("cache"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(cache.resolve("agent.sock")));
            for (String host : new String[] {tmp.resolve("cache").toString(), "/run/user"}) {
                Path cfg = Files.writeString(tmp.resolve("s.yml"), "version: 1\nsandbox:\n  caches: [{ host: \"" + host + "\", path: /cache/x }]\n");
                Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                        "--config", cfg.toString(), "--bundle", tmp.resolve("b-s" + host.hashCode()).toString());
                assertThat(r.exitCode).as(host + "\n" + r).isEqualTo(2);
                assertThat(r.err).contains("sandbox.caches").containsAnyOf("the socket, FIFO or device", "lies in /run/", "does not exist");
            }
        }
    }
}
