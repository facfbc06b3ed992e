package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CiEnvironmentTest {
    @Test
    void anSshIdentityIsReadBesideTheTokenAndNeverPrinted(@TempDir Path tmp) throws Exception {
        Path key = Files.writeString(tmp.resolve("id"), "k");
        Path hosts = Files.writeString(tmp.resolve("hosts"), "");
        var c = CiEnvironment.gitCredentials(Map.of("AGENT_SANDBOX_GIT_TOKEN", "tok-secret", "AGENT_SANDBOX_GIT_SSH_KEY", key.toString(),
                "AGENT_SANDBOX_GIT_SSH_PASSPHRASE", "pass-secret", "AGENT_SANDBOX_GIT_KNOWN_HOSTS", hosts.toString()));
        assertThat(c.token()).isEqualTo("tok-secret");
        assertThat(c.ssh().key()).isEqualTo(key);
        assertThat(c.ssh().knownHosts()).isEqualTo(hosts);
        assertThat(c.toString()).doesNotContain("tok-secret").doesNotContain("pass-secret");
    }

    @Test
    void aMissingKnownHostsFileIsAUsageErrorNotATrustedHost(@TempDir Path tmp) throws Exception {
        Path key = Files.writeString(tmp.resolve("id"), "k");
        assertThatThrownBy(() -> CiEnvironment.gitCredentials(Map.of("AGENT_SANDBOX_GIT_SSH_KEY", key.toString(),
                "AGENT_SANDBOX_GIT_KNOWN_HOSTS", tmp.resolve("none").toString())))
                .isInstanceOf(UsageException.class).hasMessageContaining("AGENT_SANDBOX_GIT_SSH_KEY").hasMessageContaining("never trusted");
        assertThat(CiEnvironment.gitCredentials(Map.of()).ssh()).isNull();
    }
}
