package dev.agentsandbox.error;

/** An invalid configuration file; the message names the file, the line and the key. */
public final class ConfigException extends UsageException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
