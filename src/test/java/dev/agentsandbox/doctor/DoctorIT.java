package dev.agentsandbox.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.TestHost;
import org.junit.jupiter.api.Test;

/** `doctor` on this host (set up by scripts/setup-host.sh): everything a run needs is there. */
class DoctorIT {
    @Test
    void thisHostPassesEveryCheckIncludingTheOverlayWorkspace() {
        Cli c = Cli.run("doctor", "--image", TestHost.IMAGE);
        assertThat(c.exitCode).as(c.toString()).isZero();
        assertThat(c.out).containsPattern("OK +docker daemon").containsPattern("OK +runtime runsc")
                .containsPattern("OK +sandbox smoke test .*gVisor kernel")
                .containsPattern("OK +overlay workspace +copy-on-write workspaces");
    }

    @Test
    void aTierWhoseRuntimeIsMissingIsAFailureWithAFix() {
        Cli c = Cli.run("doctor", "--tier", "microvm", "--runtime", "no-such-runtime");
        assertThat(c.exitCode).isEqualTo(3);
        assertThat(c.out).contains("FAIL").contains("no-such-runtime").contains("fix:").contains("a run would fail on this host");
    }
}
