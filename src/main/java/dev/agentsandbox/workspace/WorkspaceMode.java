package dev.agentsandbox.workspace;

import dev.agentsandbox.host.HostVariables;
import java.util.Locale;

/**
 * How the agent's workspace is made: a copy-on-write overlay (over the runner's checkout where it
 * provably is the base tree, else over an export of it), an overlay over an export only, a private
 * copy, or the overlay where the host can mount it.
 */
public enum WorkspaceMode {
    AUTO, OVERLAY, EXPORT, COPY;

    /** The variable that chooses the mode when no option does. */
    public static final String ENV = HostVariables.WORKSPACE;

    /** @throws IllegalArgumentException naming the kinds there are */
    public static WorkspaceMode parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "", "auto" -> AUTO;
            case "overlay" -> OVERLAY;
            case "export" -> EXPORT;
            case "copy" -> COPY;
            default -> throw new IllegalArgumentException("workspace '" + t + "' (--workspace or " + ENV
                    + ") is not a kind of workspace: use auto, overlay, export or copy");
        };
    }
}
