package dev.agentsandbox.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/** A host folder or file made visible in the sandbox. Only what a run needs is ever mounted. */
public record Mount(Path hostPath, String containerPath, boolean readOnly) {
    public Mount {
        Objects.requireNonNull(hostPath, "hostPath");
        Objects.requireNonNull(containerPath, "containerPath");
        if (!hostPath.isAbsolute()) {
            throw new IllegalArgumentException("mount source must be absolute: " + hostPath);
        }
        if (!containerPath.startsWith("/") || containerPath.contains("..") || containerPath.contains(":")) {
            throw new IllegalArgumentException("mount target must be an absolute path without '..' or ':': " + containerPath);
        }
    }
}
