package dev.agentsandbox.cli;

import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.sandbox.Tier;

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
        return switch (tier) {
            case CONTAINER -> "runc";
            case GVISOR -> runtime == null ? "runsc" : runtime;
            case MICROVM -> {
                if (runtime == null || runtime.isBlank()) {
                    throw new UsageException("tier microvm needs --runtime: the Docker runtime name of the VM runtime (e.g. kata-runtime)");
                }
                yield runtime;
            }
        };
    }
}
