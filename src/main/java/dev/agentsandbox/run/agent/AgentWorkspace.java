package dev.agentsandbox.run.agent;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.quota.Disk;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.OverlayUnavailableException;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.sandbox.SandboxUser;
import dev.agentsandbox.workspace.CheckoutBase;
import dev.agentsandbox.workspace.BaseSnapshot;
import dev.agentsandbox.workspace.ChangeCollector;
import dev.agentsandbox.workspace.Collected;
import dev.agentsandbox.workspace.ExportCache;
import dev.agentsandbox.workspace.WorkspaceExporter;
import dev.agentsandbox.workspace.WorkspaceMode;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.workspace.Scratch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The folder the agent edits at /workspace, and how its change is read back. Two kinds, equally
 * isolated (the agent sees the base tree and nothing else, and nothing it writes reaches the
 * host's repository):
 * <ul>
 * <li><b>overlay</b> (the default where the host can mount it): a copy-on-write view over the
 * runner's own checkout where it provably is the base tree (on the gvisor tier, the agent then
 * runs as the checkout's owner), else over one shared export of the base tree; the agent's writes
 * land in a private upper folder, so a run costs what the agent changes, not what the repository
 * holds;</li>
 * <li><b>copy</b>: a private export of the base tree, compared whole with the base afterwards.</li>
 * </ul>
 * {@code --workspace} or {@code AGENT_SANDBOX_WORKSPACE} ({@code auto|overlay|export|copy}) chooses; with {@code auto}, a host whose Docker
 * cannot mount the overlay gets copies, and that is remembered next to the shared exports.
 */
public final class AgentWorkspace implements AutoCloseable {
    static final String TARGET = "/workspace";

    private final Repository repo;
    private final ObjectId commit;
    private final Scratch scratch;
    private final ExportCache cache;
    private final Clock clock;
    private final Progress progress;
    private final boolean required;
    private final String notOnCheckout; // why the checkout may not be stood on; null: it may
    private ExportCache.Lease lease;
    private List<Path> baseLayers;           // what the overlay stands on, top first
    private SandboxUser user = SandboxUser.NOBODY;
    private CheckoutBase.Usable checkout;     // the runner's checkout where it is stood on
    private ObjectId baseTree;
    private Mount mount;
    private BaseSnapshot snapshot; // a private copy's, with the stat data seen when it was written
    private Disk disk;             // where the agent's writes land, of sandbox.disk's size

    private AgentWorkspace(Repository repo, ObjectId commit, Scratch scratch, ExportCache cache, Clock clock, Progress progress,
                           boolean required, String notOnCheckout) {
        this.repo = repo;
        this.commit = commit;
        this.scratch = scratch;
        this.cache = cache;
        this.clock = clock;
        this.progress = progress;
        this.required = required;
        this.notOnCheckout = notOnCheckout;
    }

    /**
     * @param notOnCheckout why the sandboxes may not stand on the runner's checkout (they run as its
     *                      owner there: the docker backend's gvisor tier only), or null when they may
     */
    public static AgentWorkspace prepare(WorkspaceMode mode, Repository repo, ObjectId commit, Scratch scratch, Clock clock,
                                         Progress progress, String notOnCheckout) throws AgentSandboxException {
        ExportCache cache = scratch.area().exports(clock);
        AgentWorkspace ws = new AgentWorkspace(repo, commit, scratch, cache, clock, progress,
                mode == WorkspaceMode.OVERLAY || mode == WorkspaceMode.EXPORT,
                mode == WorkspaceMode.EXPORT ? "--workspace export" : notOnCheckout);
        switch (mode) {
            case COPY -> ws.copy();
            case OVERLAY, EXPORT -> ws.overlay();
            case AUTO -> {
                String why = ws.overlayUnavailable();
                if (why == null) {
                    ws.overlay();
                } else {
                    ws.copy();
                }
            }
        }
        return ws;
    }

    /** Why the overlay is not used here, or null when it can be tried. */
    private String overlayUnavailable() {
        Path marker = scratch.area().overlayUnavailableMarker();
        if (Files.exists(marker)) {
            return "remembered in " + marker;
        }
        if (!Mount.overlayCapable(scratch.root()) || !Mount.overlayCapable(cache.root())) {
            return "the temporary folder's path has characters overlayfs options cannot carry (, : = \\)";
        }
        return null;
    }

    private void overlay() throws AgentSandboxException {
        String why = overlayUnavailable();
        if (why != null && required) {
            throw new InfrastructureException("an overlay workspace was asked for, but " + why + " (delete that file to try again, or use auto)");
        }
        disk = scratch.disk("agent-overlay", 0);
        if (notOnCheckout != null && !notOnCheckout.startsWith("pods") && !notOnCheckout.startsWith("--")) {
            progress.step("the base is exported rather than stood on in the runner's checkout: " + notOnCheckout);
        }
        if (notOnCheckout == null && onCheckout()) {
            mount = Mount.overlay(baseLayers, disk.folder("upper"), disk.privateFolder("work"), TARGET, user);
            return;
        }
        lease = cache.lease(repo, commit);
        baseLayers = List.of(lease.tree());
        baseTree = lease.baseTree();
        mount = Mount.overlay(baseLayers, disk.folder("upper"), disk.privateFolder("work"), TARGET);
        progress.step((lease.built() ? "exported" : "reused the export of") + " tree " + lease.baseTree().abbreviate(12).name()
                + " (no .git, nothing untracked); the agent writes to a copy-on-write layer over it");
    }

    /** Stands on the runner's checkout where it provably is the base tree; says why not otherwise. */
    private boolean onCheckout() throws InfrastructureException {
        long t0 = System.nanoTime();
        int uid;
        try {
            uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return false;
        }
        CheckoutBase.Outcome o = CheckoutBase.examine(repo, commit, scratch.folder("checkout-layer"), uid);
        if (o instanceof CheckoutBase.Refused r) {
            progress.step("the runner's checkout is not the base tree as it stands: " + r.reason() + "; the base is exported instead");
            return false;
        }
        CheckoutBase.Usable u = (CheckoutBase.Usable) o;
        if (!u.layers().stream().allMatch(Mount::overlayCapable)) {
            progress.step("the runner's checkout is not stood on: its path has a character overlayfs options cannot carry (, : = \\);"
                    + " the base is exported instead");
            return false;
        }
        checkout = u;
        baseLayers = u.layers();
        // The owner is what overlayfs checks before a copy-up; the group stays nobody's (the runner's may be docker).
        user = new SandboxUser(u.owner(), SandboxUser.NOBODY.gid());
        try (RevWalk rw = new RevWalk(repo)) {
            baseTree = rw.parseCommit(commit).getTree().copy();
        } catch (IOException e) {
            throw new InfrastructureException("cannot read commit " + commit.name() + ": " + e.getMessage(), e);
        }
        progress.step("the agent stands on the runner's checkout: " + u.files() + " tracked files are the base commit's ("
                + u.hashed() + " read, the rest vouched for by git's index), " + u.hidden() + " path(s) hidden (.git, untracked,"
                + " ignored), in " + (System.nanoTime() - t0) / 1_000_000 + " ms; it runs as the checkout's owner (" + user + ")"
                + " and writes to a copy-on-write layer over it");
        return true;
    }

    private void copy() throws AgentSandboxException {
        // The private copy lies on the agent's disk too: it is sized for the base tree plus the quota.
        disk = scratch.disk("agent-copy", treeBytes(repo, commit));
        Path folder = disk.folder("workspace");
        snapshot = new WorkspaceExporter(clock).export(repo, commit, folder);
        mount = new Mount(folder, TARGET, false);
        progress.step("exported " + snapshot.entries().size() + " files (no .git, nothing untracked) into a private copy");
    }

    /** Whether the agent ran into its disk quota (sandbox.disk). */
    public boolean overQuota() {
        return disk.full();
    }

    /** The quota, in words ("4 GiB"). */
    public String quota() {
        return disk.describeLimit();
    }

    /** What a tree takes on an ext4 disk: its blobs rounded up to 4 KiB blocks, a block per entry besides. */
    static long treeBytes(Repository repo, ObjectId commit) throws InfrastructureException {
        try (org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(repo);
             org.eclipse.jgit.treewalk.TreeWalk tw = new org.eclipse.jgit.treewalk.TreeWalk(repo)) {
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.setRecursive(true);
            long total = 0;
            ObjectReader reader = tw.getObjectReader();
            while (tw.next()) {
                long size = tw.getFileMode(0).getObjectType() == org.eclipse.jgit.lib.Constants.OBJ_BLOB
                        ? reader.getObjectSize(tw.getObjectId(0), org.eclipse.jgit.lib.Constants.OBJ_BLOB) : 0;
                total += (size + 4095) / 4096 * 4096 + 4096;
            }
            return total;
        } catch (java.io.IOException e) {
            throw new InfrastructureException("cannot read the tree of " + commit.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where the host reads a file the sandbox sees under the workspace: the run's own layer where it
     * wrote the file, else the base it stands on; null for a path outside the workspace.
     */
    Path hostFileOf(String sandboxPath) {
        java.nio.file.Path p = java.nio.file.Path.of(sandboxPath).normalize();
        java.nio.file.Path target = java.nio.file.Path.of(TARGET);
        Mount m = mount;
        if (m == null || !p.isAbsolute() || !p.startsWith(target) || p.equals(target)) {
            return null;
        }
        String rel = target.relativize(p).toString();
        Path written = m.hostPath().resolve(rel);
        if (m.overlay() != null && !Files.exists(written, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            for (Path lower : m.overlay().lowers()) {
                if (dev.agentsandbox.workspace.Whiteouts.hides(lower, rel)) {
                    return null; // hidden from the sandbox: .git, or what was untracked in the checkout
                }
                Path base = lower.resolve(rel);
                if (Files.exists(base, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    return linkOnTheWay(lower, rel) ? null : base;
                }
            }
        }
        return linkOnTheWay(m.hostPath(), rel) ? null : written;
    }

    /** Whether a folder on the way to {@code rel} in {@code layer} is a link: the host would follow it, the sandbox resolves it in its own tree. */
    private static boolean linkOnTheWay(Path layer, String rel) {
        Path p = layer;
        Path parent = Path.of(rel).getParent();
        for (Path part : parent == null ? List.<Path>of() : (Iterable<Path>) parent::iterator) {
            p = p.resolve(part.toString());
            if (Files.isSymbolicLink(p)) {
                return true;
            }
        }
        return false;
    }

    public boolean isOverlay() {
        return mount.overlay() != null;
    }

    /** The read-only layers the overlay stands on, top first (held until close), or null for a private copy. */
    public List<Path> baseLayers() {
        return isOverlay() ? baseLayers : null;
    }

    /**
     * Why the checks may not stand where the agent stood: the runner's checkout changed since it was
     * examined (a file or folder written by something else); null when they may.
     */
    public String changedSinceExamined() {
        return isOverlay() && checkout != null ? checkout.changed() : null;
    }

    /** Who the sandboxes on these layers run as: the checkout's owner where they stand on it, else nobody. */
    public SandboxUser user() {
        return isOverlay() ? user : SandboxUser.NOBODY;
    }

    /**
     * Runs the agent on this workspace. Where Docker cannot mount the overlay (found out when the
     * sandbox starts, before anything in it ran) the run goes on with a private copy, and later runs
     * skip the attempt; with {@code AGENT_SANDBOX_WORKSPACE=overlay} it fails instead.
     */
    public SandboxResult run(SandboxBackend backend, Function<Mount, SandboxSpec> spec, OutputListener output) throws AgentSandboxException {
        try {
            return unchangedCheckout(backend.run(spec.apply(mount), output));
        } catch (OverlayUnavailableException e) {
            if (required) {
                throw e;
            }
            if (checkout == null) {
                remember(e.getMessage()); // a failure on the checkout says nothing about exports
            }
            checkout = null;
            if (lease != null) {
                lease.close();
                lease = null;
            }
            user = SandboxUser.NOBODY;
            progress.step(e.getMessage() + "; the agent gets a private copy instead (remembered in "
                    + scratch.area().overlayUnavailableMarker() + "; delete it to try again)");
            copy();
            return backend.run(spec.apply(mount), output);
        }
    }

    /**
     * The agent saw the checkout live: what anything else wrote there while it ran (a step's background
     * process, say) it may have read, so the run stops before its change is taken.
     */
    private SandboxResult unchangedCheckout(SandboxResult r) throws InfrastructureException {
        String changed = checkout == null ? null : checkout.changed();
        if (changed != null) {
            throw new InfrastructureException("the runner's checkout changed while the agent ran (" + changed + "), so the agent may have"
                    + " seen what is not the base commit's; nothing is committed. Let nothing write the checkout while agent-sandbox runs,"
                    + " or run with --workspace export");
        }
        return r;
    }

    public Collected collect(ChangeCollector collector, ObjectReader reader) throws InfrastructureException {
        return isOverlay() ? collector.collectUpper(mount.hostPath(), baseTree, reader)
                : collector.collect(mount.hostPath(), snapshot, reader);
    }

    private void remember(String why) {
        Path marker = scratch.area().overlayUnavailableMarker();
        try {
            Path tmp = Files.createTempFile(marker.getParent(), marker.getFileName().toString(), ".tmp");
            Files.writeString(tmp, why + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            progress.step("could not remember that overlays are unavailable: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
        cache.evict(ExportCache.KEEP);
    }
}
