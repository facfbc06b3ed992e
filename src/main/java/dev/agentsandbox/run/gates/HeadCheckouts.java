package dev.agentsandbox.run.gates;

import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.gate.CheckTrees;
import dev.agentsandbox.quota.Disk;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxUser;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.workspace.Folders;
import dev.agentsandbox.workspace.Scratch;
import dev.agentsandbox.workspace.HeadLayer;
import dev.agentsandbox.workspace.WorkspaceExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * The committed head tree for the checks, written from git. Where the agent had an overlay
 * workspace, each check gets a copy-on-write view of the change's own layer stacked over the
 * base's shared export, so a check costs what the change holds, not what the repository holds;
 * otherwise the head is exported once and each check gets a private copy of it.
 */
final class HeadCheckouts implements CheckTrees {
    private final Scratch scratch;
    private final List<Path> layers; // for views: the lower layers, top first; null for copies
    private final SandboxUser owner; // for views on the runner's checkout: its owner, whom the checks run as
    private final Path headCopy;     // for copies: the exported head tree; null for views
    private final Map<String, Path> written = new HashMap<>();
    private final Map<String, Disk> disks = new HashMap<>();
    private long headBytes = -1;

    private HeadCheckouts(Scratch scratch, List<Path> layers, SandboxUser owner, Path headCopy) {
        this.scratch = scratch;
        this.layers = layers;
        this.owner = owner;
        this.headCopy = headCopy;
    }

    /**
     * @param baseLayers the layers the agent's overlay stood on (an export of the base tree, or the
     *                   runner's checkout under its hiding layer), top first; null for none
     * @param user who the agent ran as on them
     * @param head the commit the checks see (the base itself when nothing was committed)
     * @param change what {@code head} changes against the base
     */
    static HeadCheckouts prepare(Repository repo, List<Path> baseLayers, SandboxUser user, ObjectId head, List<FileChange> change,
                                 Scratch scratch, Clock clock, Progress progress) throws AgentSandboxException {
        if (baseLayers != null) {
            try {
                return views(repo, baseLayers, user, head, change, scratch, clock, progress);
            } catch (InfrastructureException e) {
                // E.g. a scratch file system without user extended attributes cannot mark a folder opaque.
                progress.step(e.getMessage() + "; the checks get private copies instead");
            }
        }
        Path dir = scratch.folder("head");
        int files = new WorkspaceExporter(clock).export(repo, head, dir, org.eclipse.jgit.treewalk.filter.TreeFilter.ALL, false).entries().size();
        progress.step("exported the head tree for the checks (" + files + " files)");
        return new HeadCheckouts(scratch, null, null, dir);
    }

    private static HeadCheckouts views(Repository repo, List<Path> baseLayers, SandboxUser user, ObjectId head, List<FileChange> change,
                                       Scratch scratch, Clock clock, Progress progress) throws InfrastructureException {
        List<Path> layers = new ArrayList<>();
        boolean whole = false;
        if (!change.isEmpty()) {
            HeadLayer layer = HeadLayer.build(repo, head, change, scratch.folder("head-layer"), clock);
            layers.add(layer.dir());
            whole = layer.whole();
            progress.step("the checks see the head tree as " + layer.files() + " file(s) written from git"
                    + (whole ? " (a deletion at the top level: the whole tree)" : " over the base the agent stood on"));
        }
        if (!whole) {
            layers.addAll(baseLayers);
        }
        return new HeadCheckouts(scratch, List.copyOf(layers), whole || user.equals(SandboxUser.NOBODY) ? null : user, null);
    }

    @Override
    public Mount fresh(String check, String containerPath) throws AgentSandboxException {
        // Each check writes to its own disk of sandbox.disk's size (a copy of the tree lies on it too).
        Disk disk = scratch.disk("check-" + check, layers != null ? 0 : headBytes());
        disks.put(check, disk);
        Path dir = disk.folder(layers != null ? "upper" : "tree");
        written.put(check, dir);
        if (layers != null) {
            return Mount.overlay(layers, dir, disk.privateFolder("work"), containerPath, owner);
        }
        try {
            Folders.copyForSandbox(headCopy, dir);
        } catch (IOException e) {
            throw new InfrastructureException("cannot copy the head tree for " + check + ": " + e.getMessage(), e);
        }
        return new Mount(dir, containerPath, false);
    }

    @Override
    public boolean overQuota(String check) {
        Disk d = disks.get(check);
        return d != null && d.full();
    }

    @Override
    public String quota(String check) {
        Disk d = disks.get(check);
        return d == null ? "unbounded" : d.describeLimit();
    }

    private long headBytes() throws InfrastructureException {
        if (headBytes < 0) {
            long total = 0;
            try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(headCopy)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    total += (java.nio.file.Files.size(p) + 4095) / 4096 * 4096 + 4096;
                }
            } catch (IOException e) {
                throw new InfrastructureException("cannot measure the head tree: " + e.getMessage(), e);
            }
            headBytes = total;
        }
        return headBytes;
    }

    @Override
    public Path written(String check) {
        Path dir = written.get(check);
        if (dir == null) {
            throw new IllegalStateException("no view was made for " + check);
        }
        return dir;
    }
}
