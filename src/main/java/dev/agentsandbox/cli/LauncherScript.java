package dev.agentsandbox.cli;

import java.io.IOException;
import java.io.InputStream;

/**
 * Prints the launcher script this jar carries ({@code java -cp agent-sandbox.jar
 * dev.agentsandbox.cli.LauncherScript > agent-sandbox}): an installation takes the launcher from the
 * jar whose SHA-256 it checked, so nothing it runs was downloaded unchecked.
 */
public final class LauncherScript {
    private LauncherScript() {
    }

    public static void main(String[] args) throws IOException {
        try (InputStream in = LauncherScript.class.getResourceAsStream("/META-INF/agent-sandbox/agent-sandbox")) {
            if (in == null) {
                System.err.println("agent-sandbox: this jar carries no launcher (built without it)");
                System.exit(2);
            }
            in.transferTo(System.out);
        }
        System.out.flush();
    }
}
