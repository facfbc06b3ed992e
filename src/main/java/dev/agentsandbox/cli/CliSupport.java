package dev.agentsandbox.cli;

import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.config.Tier;

/** Option parsing shared by several commands. */
final class CliSupport {
    private CliSupport() {
    }

    static Tier tier(String s) throws UsageException {
        try {
            return Tier.parse(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static String runtime(Tier tier, String runtime) throws UsageException {
        return runtime(tier, runtime, "systrap");
    }

    static String runtime(Tier tier, String runtime, String platform) throws UsageException {
        try {
            return dev.agentsandbox.sandbox.Isolation.of(tier, runtime, platform).runtime();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
