package dev.agentsandbox.sandbox;

import dev.agentsandbox.config.Tier;

import java.util.Objects;

/**
 * The isolation a sandbox gets: its tier and the Docker runtime that gives it, resolved once (from
 * the command line over the configuration). A runtime that is named wins; otherwise container
 * runs on runc and gvisor on runsc, and a microvm's runtime must be named. The backend checks after
 * start that the sandbox really runs under it, and refuses otherwise.
 */
public record Isolation(Tier tier, String runtime) {
    public Isolation {
        Objects.requireNonNull(tier, "tier");
        if (runtime == null || runtime.isBlank()) {
            throw new IllegalArgumentException("tier " + tier.id() + " needs a runtime");
        }
    }

    /** @throws IllegalArgumentException for a microvm tier without a runtime, saying how to name one */
    public static Isolation of(Tier tier, String runtime) {
        return of(tier, runtime, "systrap");
    }

    /**
     * As {@link #of(Tier, String)}, with gVisor's platform: {@code kvm} takes the runtime
     * {@code runsc-kvm} (runsc registered with {@code --platform=kvm}) unless one is named.
     */
    public static Isolation of(Tier tier, String runtime, String platform) {
        if ("kvm".equals(platform) && tier != Tier.GVISOR) {
            throw new IllegalArgumentException("sandbox.platform: kvm is a platform of gVisor, and the tier is " + tier.id());
        }
        if ("kvm".equals(platform) && (runtime == null || runtime.isBlank())) {
            return new Isolation(tier, KvmPlatform.RUNTIME);
        }
        String rt = runtime != null && !runtime.isBlank() ? runtime : switch (tier) {
            case CONTAINER -> "runc";
            case GVISOR -> "runsc";
            case MICROVM -> throw new IllegalArgumentException("tier microvm needs --runtime (or sandbox.runtime): the Docker runtime"
                    + " name of the VM runtime (e.g. kata-runtime)");
        };
        return new Isolation(tier, rt);
    }
}
