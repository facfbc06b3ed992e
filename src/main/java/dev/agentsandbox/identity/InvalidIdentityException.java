package dev.agentsandbox.identity;

/** A name that cannot be a person's identity, and why. */
public final class InvalidIdentityException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidIdentityException(String message) {
        super(message);
    }
}
