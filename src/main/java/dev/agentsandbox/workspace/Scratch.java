package dev.agentsandbox.workspace;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.quota.Disk;
import dev.agentsandbox.quota.DiskQuota;
import dev.agentsandbox.quota.LoopDisks;
import dev.agentsandbox.workspace.ExportCache;
import dev.agentsandbox.workspace.Folders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The private temporary folder of one run: the workspace the agent edits, the head tree the
 * checks run on, and the folder mounted at /run/agent-sandbox (task, proxy socket). Removed on
 * close; its name carries the creator's pid and start time so that {@code cleanup} can remove
 * what a killed process left.
 */
public final class Scratch implements AutoCloseable {
    private final ScratchArea area;
    private final Path root;
    private final DiskQuota quota;
    private final long diskBytes;
    private final List<Disk> disks = new ArrayList<>();

    private Scratch(ScratchArea area, Path root, DiskQuota quota, long diskBytes) {
        this.area = area;
        this.root = root;
        this.quota = quota;
        this.diskBytes = diskBytes;
    }

    /** A run's folder whose sandboxes may each write no more than {@code diskBytes} (0: unbounded) to this host's disk. */
    static Scratch create(ScratchArea area, String runId, DiskQuota quota, long diskBytes) throws InfrastructureException {
        Path base = area.base();
        try {
            Folders.requirePrivate(base);
            Path root = Files.createDirectory(base.resolve(runId + "." + Folders.stamp()));
            // The sandbox user (65534) must write the workspace; the folder is private to the run.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            return new Scratch(area, root, quota, diskBytes);
        } catch (IOException e) {
            throw new InfrastructureException("cannot create the run's temporary folder under " + base + ": " + e.getMessage()
                    + " (set AGENT_SANDBOX_SCRATCH to a writable folder with free space)", e);
        }
    }

    public Path root() {
        return root;
    }

    /** A fresh sub-folder that uid 65534 may write (mode 0777 on this private path). */
    public Path folder(String name) throws InfrastructureException {
        try {
            Path p = Files.createDirectory(root.resolve(name));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
            return p;
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + root.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** A fresh sub-folder only this process's user may use. */
    public Path privateFolder(String name) throws InfrastructureException {
        try {
            return Files.createDirectory(root.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + root.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The disk one sandbox writes to: {@code sandbox.disk} bytes, plus {@code baseBytes} for a tree
     * copied onto it before the sandbox starts. Closed with this folder.
     */
    public Disk disk(String name, long baseBytes) throws InfrastructureException {
        Disk d = quota.create(root.resolve(name), diskBytes, baseBytes);
        synchronized (disks) {
            disks.add(d);
        }
        return d;
    }

    /** What bounds each sandbox's writes here, for the record. */
    public String diskQuota() {
        return diskBytes == 0 ? quota.mechanism() : DiskQuota.human(diskBytes) + " per sandbox, " + quota.mechanism();
    }

    @Override
    public void close() {
        synchronized (disks) {
            disks.forEach(Disk::close);
        }
        LoopDisks.unmountUnder(root);
        Folders.delete(root);
    }

    /** The area this run's folder lies in (its shared exports too). */
    public ScratchArea area() {
        return area;
    }
}
