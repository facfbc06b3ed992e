package dev.agentsandbox.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the services' runtime is recognised as the check's runsc with no network and leave to bind sockets: runsc's own reading of flags. */
class ServicesRuntimeTest {
    @TempDir
    Path tmp;

    @Test
    void theLastValueOfAFlagIsTheOneRunscTakesInEitherSpelling() {
        assertThat(DockerHost.lastFlag(List.of("--network=none", "--host-uds=create"), "network")).isEqualTo("none");
        assertThat(DockerHost.lastFlag(List.of("-network=none"), "network")).isEqualTo("none");
        assertThat(DockerHost.lastFlag(List.of("--network", "none", "--debug"), "network")).isEqualTo("none");
        assertThat(DockerHost.lastFlag(List.of("--network=none", "--network=host"), "network")).as("a later one wins").isEqualTo("host");
        assertThat(DockerHost.lastFlag(List.of("--host-uds=create", "--host-uds=all"), "host-uds")).isEqualTo("all");
        assertThat(DockerHost.lastFlag(List.of("--networking=none"), "network")).isNull();
        assertThat(DockerHost.lastFlag(List.of(), "network")).isNull();
    }

    @Test
    void oneProgramUnderTwoPathsIsTheSameAndAnotherIsNot() throws Exception {
        Path runsc = Files.writeString(tmp.resolve("runsc"), "#!/bin/sh\n");
        runsc.toFile().setExecutable(true);
        Path link = Files.createSymbolicLink(tmp.resolve("runsc-link"), runsc);
        Path other = Files.writeString(tmp.resolve("runc"), "#!/bin/sh\n");
        assertThat(DockerHost.sameProgram(runsc.toString(), link.toString())).isTrue();
        assertThat(DockerHost.sameProgram(runsc.toString(), other.toString())).isFalse();
        assertThat(DockerHost.sameProgram("/remote/only/runsc", "/remote/only/runsc")).as("a remote daemon's: by text").isTrue();
        assertThat(DockerHost.sameProgram("/remote/only/runsc", "/remote/other/runsc")).isFalse();
        assertThat(DockerHost.sameProgram("", "")).isFalse();
    }
}
