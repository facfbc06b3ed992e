package dev.agentsandbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runners that share a host name and a Docker daemon but not a PID namespace (containerised CI
 * runners): `cleanup` removes what a dead creator of its own namespace left, and never judges a
 * sandbox made from another namespace, whose pid means nothing here.
 */
class CleanupNamespaceIT {
    static String create(String pidns) throws Exception {
        List<String> cmd = List.of("docker", "create", "--label", Labels.MANAGED + "=true", "--label", Labels.RUN + "=ns-test",
                "--label", Labels.CREATOR_HOST + "=" + Labels.hostName(), "--label", Labels.CREATOR_PID + "=2147483000",
                "--label", Labels.CREATOR_START + "=1", "--label", Labels.CREATOR_PIDNS + "=" + pidns, TestHost.IMAGE, "true");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String id = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(id).isZero();
        return id;
    }

    static boolean exists(String id) throws Exception {
        return new ProcessBuilder("docker", "inspect", id).redirectErrorStream(true).start().waitFor() == 0;
    }

    @Test
    void cleanupRemovesItsOwnNamespacesLeftoversOnly() throws Exception {
        String foreign = create("pid:[4026599999]@another-runner");
        String own = create(Labels.pidNamespace());
        try {
            Cli r = Cli.run("cleanup");
            assertThat(r.exitCode).as(r.toString()).isZero();
            assertThat(exists(own)).as("a dead creator of this namespace: removed").isFalse();
            assertThat(exists(foreign)).as("another namespace's sandbox: its pid cannot be judged here").isTrue();
        } finally {
            new ProcessBuilder("docker", "rm", "-f", foreign, own).start().waitFor();
        }
    }
}
