package dev.agentsandbox.quota;

import dev.agentsandbox.error.InfrastructureException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How this host bounds what one sandbox may write to its disk (the agent's workspace, each check's
 * view). A sandbox's writes land only in its {@link Disk}; when that is full the sandbox gets ENOSPC
 * and the host's own disk is never filled.
 */
public sealed interface DiskQuota permits LoopDisks, DiskQuota.Unlimited {
    /** The default bound of {@code sandbox.disk}. */
    long DEFAULT_BYTES = 4L << 30;

    /** What bounds the disks, in words for {@code doctor} and the audit log. */
    String mechanism();

    /**
     * A new disk mounted (or made) at {@code mountPoint}, a folder that does not exist yet: room
     * for {@code quota} bytes of the sandbox's writes plus {@code baseBytes} for a tree copied
     * onto it first.
     */
    Disk create(Path mountPoint, long quota, long baseBytes) throws InfrastructureException;

    /**
     * The quota a run asking for {@code bytes} gets ({@code 0}: {@code sandbox.disk: unlimited}).
     * A host that cannot bound the disk is refused, never silently left unbounded.
     */
    static DiskQuota forLimit(long bytes) throws InfrastructureException {
        if (bytes == 0) {
            return Unlimited.INSTANCE;
        }
        String why = LoopDisks.unavailable();
        if (why != null) {
            throw new InfrastructureException("sandbox.disk asks for a " + human(bytes) + " quota on what each sandbox writes, but this"
                    + " host cannot give one: " + why + ". " + FIX);
        }
        return new LoopDisks();
    }

    /** What to do when the host cannot bound the disk. */
    String FIX = "Run agent-sandbox as root, or as a user who may run mount and umount"
            + " through passwordless sudo (each sandbox then writes to its own loop-mounted ext4 file system of that"
            + " size), or set sandbox.disk: unlimited in the configuration to run"
            + " with no bound on what the agent writes to this host's disk (`agent-sandbox doctor` shows what the host gives)";

    /** Why a run asking for {@code bytes} cannot get its quota on this host, or null when it can (or asks for none). */
    static String gap(long bytes) {
        return bytes == 0 ? null : LoopDisks.unavailable();
    }

    /** What the host gives, for {@code doctor}: the mechanism, or why there is none (prefixed "none: "). */
    static String describeHost() {
        String why = LoopDisks.unavailable();
        return why == null ? new LoopDisks().mechanism() : "none: " + why;
    }

    static String human(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + " MiB";
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }

    /** {@code sandbox.disk: unlimited}: plain folders on the scratch disk, bounded by nothing. */
    enum Unlimited implements DiskQuota {
        INSTANCE;

        @Override
        public String mechanism() {
            return "none (sandbox.disk: unlimited)";
        }

        @Override
        public Disk create(Path mountPoint, long quota, long baseBytes) throws InfrastructureException {
            return Disk.plain(mountPoint);
        }
    }
}
