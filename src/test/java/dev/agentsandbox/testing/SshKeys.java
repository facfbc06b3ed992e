package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** OpenSSH keys made with the real ssh-keygen, as a CI would provide them. */
public final class SshKeys {
    private SshKeys() {
    }

    /** An Ed25519 key without passphrase at {@code dir/name} (and {@code name.pub}). */
    public static Path ed25519(Path dir, String name) throws Exception {
        Path key = dir.resolve(name);
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return key;
    }
}
