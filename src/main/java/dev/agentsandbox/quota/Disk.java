package dev.agentsandbox.quota;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The folder one sandbox's writes land in, of a fixed size (or unbounded for
 * {@code sandbox.disk: unlimited}). Sub-folders made here share the size: an overlay's upper and
 * work folders, or a private copy of the tree.
 */
public final class Disk implements AutoCloseable {
    /** Free space below this counts as full: the sandbox ran into its quota. */
    private static final long FULL_BELOW = 1L << 20;

    private final Path root;
    private final long limit;
    private final Path image; // the loop file system's backing file, or null for a plain folder
    private boolean closed;

    Disk(Path root, long limit, Path image) {
        this.root = root;
        this.limit = limit;
        this.image = image;
    }

    static Disk plain(Path root) throws InfrastructureException {
        try {
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + root + ": " + e.getMessage(), e);
        }
        return new Disk(root, 0, null);
    }

    public Path root() {
        return root;
    }

    /** The quota in bytes (what the sandbox may add to what was copied in first); 0 for no bound. */
    public long limit() {
        return limit;
    }

    /** A fresh sub-folder that the sandbox user (uid 65534) may write. */
    public Path folder(String name) throws InfrastructureException {
        return mkdir(name, "rwxrwxrwx");
    }

    /** A fresh sub-folder only this process's user may use (an overlay's work folder). */
    public Path privateFolder(String name) throws InfrastructureException {
        return mkdir(name, "rwx------");
    }

    private Path mkdir(String name, String mode) throws InfrastructureException {
        Path p = root.resolve(name);
        try {
            Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
            return p;
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + p + ": " + e.getMessage(), e);
        }
    }

    /** Whether what was written reached the size (no space or no inodes left). */
    public boolean full() {
        if (image == null) {
            return false;
        }
        try {
            // free blocks for users, block size, free inodes
            String[] f = Commands.run(List.of("stat", "-f", "-c", "%a %S %d", root.toString())).split("\\s+");
            long free = Long.parseLong(f[0]) * Long.parseLong(f[1]);
            long inodes = Long.parseLong(f[2]);
            return free < FULL_BELOW || inodes < 16;
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: treat as over, never as fine
        }
    }

    /** "4 GiB", for findings. */
    public String describeLimit() {
        return limit == 0 ? "unbounded" : DiskQuota.human(limit);
    }

    /** Unmounts (lazily when busy) and deletes everything; safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (image != null) {
            LoopDisks.unmount(root);
            try {
                Files.deleteIfExists(image);
            } catch (IOException e) {
                System.err.println("agent-sandbox: could not delete " + image + ": " + e.getMessage() + " (`agent-sandbox cleanup` will)");
            }
        }
    }
}
