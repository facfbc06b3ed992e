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
}
