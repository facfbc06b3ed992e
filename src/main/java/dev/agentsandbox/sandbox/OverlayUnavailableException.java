package dev.agentsandbox.sandbox;

import dev.agentsandbox.error.InfrastructureException;

/**
 * The Docker host could not mount an overlay workspace (no overlayfs, an upper folder on a file
 * system overlayfs cannot write to, a rootless daemon...). Nothing of the sandbox ran: the caller
 * may give the agent a plain copy instead, which isolates it just as well.
 */
public final class OverlayUnavailableException extends InfrastructureException {
    public OverlayUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
