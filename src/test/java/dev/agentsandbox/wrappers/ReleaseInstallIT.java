package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.RunnerUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A release as the release workflow makes it (scripts/release.sh), installed on a runner host by
 * scripts/install-cli.sh as a user without sudo: the jar's SHA-256 is checked before anything is
 * kept, the launcher comes out of the checked jar, and the link on the PATH finds the jar beside
 * the launcher's real path. A wrong checksum or a tampered download installs nothing.
 */
class ReleaseInstallIT {
    static final Path INSTALL = Path.of("scripts/install-cli.sh").toAbsolutePath();
    final RunnerUser user = RunnerUser.NO_SUDO;
    Path root;
    ReleaseServer release;

    @BeforeEach
    void release() throws Exception {
        user.requirePresent();
        root = user.newFolder("release");
        release = new ReleaseServer(root.resolve("assets"));
        user.own(root);
    }

    @AfterEach
    void remove() throws Exception {
        release.close();
        RunnerUser.remove(root);
    }

    RunnerUser.Result install(String sha256) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("AGENT_SANDBOX_VERSION", ReleaseServer.VERSION, "AGENT_SANDBOX_JAR_SHA256", sha256,
                "AGENT_SANDBOX_RELEASES", release.releases(), "PREFIX", root.resolve("prefix").toString()));
        return user.exec(List.of("bash", INSTALL.toString()), root, env);
    }

    @Test
    void theReleaseInstallsCheckedAndRunsThroughTheLinkOnThePath() throws Exception {
        assertThat(Files.readString(release.assets.resolve("agent-sandbox.jar.sha256"))).isEqualTo(release.sha256 + "  agent-sandbox.jar\n");
        var r = install(release.sha256.toUpperCase(java.util.Locale.ROOT));
        assertThat(r.exitCode()).as(r.out()).isZero();
        Path link = root.resolve("prefix/bin/agent-sandbox");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(link)).as("the launcher the jar carries").isEqualTo(Files.readString(Path.of("bin/agent-sandbox")));
        var version = user.exec(List.of(link.toString(), "--version"), root, Map.of());
        assertThat(version.exitCode()).as(version.out()).isZero();
        assertThat(version.out()).startsWith("agent-sandbox ").doesNotContain("building it");
        assertThat(release.requests).containsExactly("/v" + ReleaseServer.VERSION + "/agent-sandbox.jar");
    }

    @Test
    void aWrongChecksumOrATamperedJarInstallsNothing() throws Exception {
        var wrong = install("0".repeat(64));
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.out()).contains("not " + "0".repeat(64) + ": nothing was installed");
        byte[] jar = Files.readAllBytes(release.assets.resolve("agent-sandbox.jar"));
        jar[jar.length / 2] ^= 1;
        release.jarOverride = jar;
        var tampered = install(release.sha256);
        assertThat(tampered.exitCode()).isNotZero();
        assertThat(tampered.out()).contains("nothing was installed");
        assertThat(root.resolve("prefix")).doesNotExist();
        var notHex = install("abc");
        assertThat(notHex.out()).contains("is not a SHA-256");
    }
}
