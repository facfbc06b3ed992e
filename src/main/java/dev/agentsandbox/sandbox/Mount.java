package dev.agentsandbox.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A host folder or file made visible in the sandbox. Only what a run needs is ever mounted.
 *
 * @param hostPath the folder the sandbox's writes land in (for an overlay: its upper layer)
 * @param containerPath where the sandbox sees it
 * @param readOnly whether the sandbox may write
 * @param overlay for a copy-on-write view: the read-only lower layers and overlayfs's work folder;
 *                null for a plain bind mount
 */
public record Mount(Path hostPath, String containerPath, boolean readOnly, Overlay overlay) {
    /**
     * The layers of a copy-on-write view: the sandbox reads the lower layers (the first one on
     * top), writes only the upper.
     *
     * @param owner the user the sandbox must run as to write over the lower layers (the runner's
     *              checkout's owner), or null when any user may (exports made for the sandbox)
     */
    public record Overlay(List<Path> lowers, Path work, SandboxUser owner) {
        public Overlay {
            lowers = List.copyOf(lowers);
            if (lowers.isEmpty()) {
                throw new IllegalArgumentException("an overlay needs a lower layer");
            }
            lowers.forEach(Mount::requireOverlayPath);
            requireOverlayPath(work);
        }
    }

    public Mount {
        Objects.requireNonNull(hostPath, "hostPath");
        Objects.requireNonNull(containerPath, "containerPath");
        if (!hostPath.isAbsolute()) {
            throw new IllegalArgumentException("mount source must be absolute: " + hostPath);
        }
        if (!containerPath.startsWith("/") || containerPath.contains("..") || containerPath.contains(":")) {
            throw new IllegalArgumentException("mount target must be an absolute path without '..' or ':': " + containerPath);
        }
        if (overlay != null) {
            requireOverlayPath(hostPath);
            if (readOnly) {
                throw new IllegalArgumentException("an overlay mount exists to be written: " + containerPath);
            }
        }
    }

    public Mount(Path hostPath, String containerPath, boolean readOnly) {
        this(hostPath, containerPath, readOnly, null);
    }

    /** A writable view of {@code lower} whose every write lands in {@code upper}; lower is never changed. */
    public static Mount overlay(Path lower, Path upper, Path work, String containerPath) {
        return overlay(List.of(lower), upper, work, containerPath);
    }

    /** A writable view of the lower layers stacked (the first on top); writes land in {@code upper}. */
    public static Mount overlay(List<Path> lowers, Path upper, Path work, String containerPath) {
        return overlay(lowers, upper, work, containerPath, null);
    }

    /** As {@link #overlay(List, Path, Path, String)}, for lower layers only {@code owner} may write over. */
    public static Mount overlay(List<Path> lowers, Path upper, Path work, String containerPath, SandboxUser owner) {
        return new Mount(upper, containerPath, false, new Overlay(lowers, work, owner));
    }

    /** Whether overlayfs's mount options can carry this path (they are separated by ',' and ':'). */
    public static boolean overlayCapable(Path p) {
        String s = p.toString();
        return p.isAbsolute() && s.chars().noneMatch(c -> c == ',' || c == ':' || c == '\\' || c == '=' || Character.isISOControl(c));
    }

    private static void requireOverlayPath(Path p) {
        if (!overlayCapable(p)) {
            throw new IllegalArgumentException("an overlay layer needs an absolute path without ',', ':', '=' or '\\': " + p);
        }
    }
}
