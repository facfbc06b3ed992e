package dev.agentsandbox.sandbox;

/** Receives a sandbox's output live, a redacted line at a time. Called from a transport thread. */
@FunctionalInterface
public interface OutputListener {
    enum Stream { STDOUT, STDERR }

    void line(Stream stream, String redactedLine);

    OutputListener NONE = (s, l) -> { };
}
