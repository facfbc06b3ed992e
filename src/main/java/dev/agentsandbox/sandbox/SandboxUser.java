package dev.agentsandbox.sandbox;

import java.util.List;

/**
 * Who a sandbox's processes are. Nobody (65534) unless the workspace stands on the runner's own
 * checkout: its files belong to the runner's user, and the agent may change them only as their
 * owner (overlayfs checks a lower file's owner before it copies the file up). That is allowed on
 * the gVisor tier alone, where the uid is a number inside gVisor's own kernel; never root.
 *
 * @param uid the user id
 * @param gid the group id
 */
public record SandboxUser(int uid, int gid) {
    /** nobody, as in seed 001's pod spec. */
    public static final SandboxUser NOBODY = new SandboxUser(65534, 65534);

    public SandboxUser {
        if (uid <= 0 || gid <= 0) {
            throw new IllegalArgumentException("a sandbox never runs as root or in root's group (" + uid + ":" + gid + ")");
        }
    }

    /** The user the mounts need: the owner of the overlays' layers where one has one, else nobody. */
    static SandboxUser of(List<Mount> mounts) {
        SandboxUser found = null;
        for (Mount m : mounts) {
            SandboxUser owner = m.overlay() == null ? null : m.overlay().owner();
            if (owner != null && found != null && !owner.equals(found)) {
                throw new IllegalArgumentException("a sandbox's overlays belong to two users (" + found + ", " + owner + ")");
            }
            found = owner != null ? owner : found;
        }
        return found == null ? NOBODY : found;
    }

    /** Docker's "uid:gid". */
    public String docker() {
        return uid + ":" + gid;
    }

    @Override
    public String toString() {
        return docker();
    }
}
