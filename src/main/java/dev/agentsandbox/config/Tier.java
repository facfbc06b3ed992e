package dev.agentsandbox.config;

import java.util.Locale;

/**
 * How strong a boundary the sandbox gets (seed 003: match isolation to the repository's
 * sensitivity). A host that cannot give the tier asked for refuses the run; nothing falls back.
 */
public enum Tier {
    /** runc, hardened (no network, read-only root, no capabilities, non-root): fastest, weakest. */
    CONTAINER,
    /** runsc (gVisor): a user-space kernel between the agent and the host. The default. */
    GVISOR,
    /** A VM-backed Docker runtime the operator names (Kata, Firecracker). */
    MICROVM;

    public static Tier parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tier '" + s + "': use container, gvisor or microvm");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
