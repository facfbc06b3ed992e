package dev.agentsandbox.reliability;

import dev.agentsandbox.cli.Main;

/** The real CLI in a child JVM, so that a test can SIGKILL it mid-run. */
public final class CliChild {
    public static void main(String[] args) {
        Main.main(args);
    }
}
