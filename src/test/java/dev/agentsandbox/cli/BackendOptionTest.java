package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --backend through the real command line: bad input is named before anything connects. */
class BackendOptionTest {
    @Test
    void anUnknownBackendIsAUsageError(@TempDir Path tmp) throws Exception {
        Cli c = Cli.run("run", "--repo", tmp.toString(), "--task", "x", "--image", "i", "--command", "true", "--backend", "lxc");
        assertThat(c.exitCode).as(c.toString()).isEqualTo(2);
        assertThat(c.all()).contains("backend 'lxc'", "use docker or kubernetes");
    }

    @Test
    void whatPodsCannotGiveIsRefusedNotWeakened(@TempDir Path tmp) throws Exception {
        Cli overlay = Cli.run("run", "--repo", tmp.toString(), "--task", "x", "--image", "i", "--command", "true", "--backend", "kubernetes",
                "--workspace", "overlay");
        assertThat(overlay.exitCode).as(overlay.toString()).isEqualTo(2);
        assertThat(overlay.all()).contains("private copy into each pod");
        assertThat(Files.list(tmp)).isEmpty();
    }

    @Test
    void kubernetesTemplatePrintsTheTemplateAndThePoolAndNamesBadInput() throws Exception {
        Cli ok = Cli.run("kubernetes-template", "--image", "agent:1", "--name", "agents", "--replicas", "3");
        assertThat(ok.exitCode).as(ok.toString()).isZero();
        assertThat(ok.out).contains("kind: \"SandboxTemplate\"", "kind: \"SandboxWarmPool\"", "networkPolicy: {}", "runtimeClassName: \"gvisor\"",
                "readOnlyRootFilesystem: true", "automountServiceAccountToken: false", "replicas: 3");
        Cli badName = Cli.run("kubernetes-template", "--image", "agent:1", "--name", "Agents!");
        assertThat(badName.exitCode).isEqualTo(2);
        assertThat(badName.all()).contains("not a Kubernetes object name");
        Cli badTier = Cli.run("kubernetes-template", "--image", "agent:1", "--tier", "vm");
        assertThat(badTier.exitCode).isEqualTo(2);
        assertThat(badTier.all()).contains("unknown tier 'vm'");
    }
}
