package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Path;
import java.security.PublicKey;
import picocli.CommandLine.Option;

/**
 * The public key a bundle must verify with, for the commands that act on it (approve, reject,
 * merge). Without one they refuse: a key read from the bundle itself is whatever the last person
 * who could change the bundle put there.
 */
final class PinnedKey {
    static final String ENV = HostVariables.PUBLIC_KEY;

    @Option(names = "--key", description = "the public key the run's attestations must verify with (default: $" + ENV + ")")
    Path key;

    @Option(names = "--unpinned-key", description = "accept the key the bundle carries (anyone who can change the bundle can replace it;"
            + " for local trials only)")
    boolean unpinned;

    PublicKey require(String command) throws UsageException, RefusedException {
        Path file = key != null ? key : envKey();
        if (file != null) {
            return SigningKeys.readPublic(file);
        }
        if (unpinned) {
            return null;
        }
        throw new RefusedException(command + " needs the public key the run was signed with: --key FILE (or " + ENV + "=FILE)."
                + " Without it, whoever can change the bundle can re-sign it with a key of their own; --unpinned-key accepts that"
                + " risk explicitly");
    }

    private static Path envKey() {
        String v = System.getenv(ENV);
        return v == null || v.isBlank() ? null : Path.of(v);
    }
}
