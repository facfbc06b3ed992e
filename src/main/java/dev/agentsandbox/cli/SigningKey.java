package dev.agentsandbox.cli;

import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Path;
import java.security.KeyPair;
import picocli.CommandLine.Option;

/** The private key that signs what a command attests (run, approve, reject, merge): the option, else $AGENT_SANDBOX_SIGNING_KEY. */
final class SigningKey {
    @Option(names = "--signing-key", description = "Ed25519 private key (PEM) that signs the attestation (default: $" + SigningKeys.ENV + ")")
    Path file;

    /** The key file to use, or null: a one-time key. */
    Path path() {
        if (file != null) {
            return file;
        }
        String v = System.getenv(SigningKeys.ENV);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    KeyPair load() throws UsageException {
        return SigningKeys.load(path());
    }
}
