package dev.agentsandbox.workspace;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * One export per base tree, shared by the runs on that tree as the read-only lower layer of their
 * copy-on-write workspaces: the base is written to disk once, not once a run. A tree is built in
 * a private folder and renamed into place, so a folder under its tree id is always complete. Each
 * run holds a shared lock on the tree while it uses it; eviction takes the lock exclusively, so a
 * tree in use is never removed.
 */
public final class ExportCache {
    /** How many trees are kept; older unused ones are evicted. */
    public static final int KEEP = 4;
    private static final String PARTIAL = ".partial.";
    private static final String EVICTED = ".evicted.";
    /** Part of every tree folder's name: raised whenever what an export holds changes. */
    private static final String FORMAT = "-x1";
    /** In this JVM a file may be locked once: leases of one tree share the lock and count. */
    private static final Map<Path, Held> HELD = new HashMap<>();
    private static final Map<Path, Object> BUILDING = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path root;
    private final Clock clock;

    public ExportCache(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    public Path root() {
        return root;
    }

    /** The export of {@code commit}'s tree, built when missing; held until the lease is closed. */
    public Lease lease(Repository repo, ObjectId commit) throws InfrastructureException {
        ObjectId tree;
        try (RevWalk rw = new RevWalk(repo)) {
            tree = rw.parseCommit(commit).getTree().copy();
        } catch (IOException e) {
            throw new InfrastructureException("cannot read commit " + commit.name() + ": " + e.getMessage(), e);
        }
        try {
            createPrivate(root);
            Path dir = folder(tree);
            Held held = acquire(lockFile(dir));
            try {
                boolean built = !Files.isDirectory(dir) && buildOnce(repo, commit, dir);
                Files.setLastModifiedTime(dir, FileTime.from(clock.instant()));
                return new Lease(dir, tree, built, held);
            } catch (IOException | InfrastructureException | RuntimeException e) {
                release(held);
                throw e;
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot prepare the shared export under " + root + ": " + e.getMessage()
                    + " (set AGENT_SANDBOX_SCRATCH to a writable folder with free space)", e);
        }
    }

    /**
     * Runs on one base (parallel CI jobs) build its export once: one process builds under an
     * exclusive lock, the others wait for it and then find the tree in place.
     */
    private boolean buildOnce(Repository repo, ObjectId commit, Path dir) throws IOException, InfrastructureException {
        synchronized (BUILDING.computeIfAbsent(dir, k -> new Object())) {
            try (FileChannel ch = FileChannel.open(dir.resolveSibling(dir.getFileName() + ".build"),
                    StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.lock(); // released when the channel closes
                if (Files.isDirectory(dir)) {
                    return false;
                }
                build(repo, commit, dir);
                return true;
            }
        }
    }

    private void build(Repository repo, ObjectId commit, Path dir) throws IOException, InfrastructureException {
        Path partial = root.resolve(PARTIAL + dir.getFileName() + "." + Folders.stamp());
        Folders.delete(partial);
        new WorkspaceExporter(clock).export(repo, commit, partial, org.eclipse.jgit.treewalk.filter.TreeFilter.ALL, false);
        try {
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Folders.delete(partial);
            throw new IOException("cannot rename within " + root + ": " + e.getMessage(), e);
        } catch (java.nio.file.FileSystemException e) {
            Folders.delete(partial);
            if (!Files.isDirectory(dir)) {
                throw e;
            }
            // Another process built it first (rename(2) says "Directory not empty"); theirs is as good.
        }
    }

    /**
     * Removes what killed builds left and all but the {@value #KEEP} most recently used trees, skipping
     * any tree a run still holds. Returns how many folders were removed.
     */
    public int evict(int keep) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int removed = 0;
        List<Path> trees = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if ((name.startsWith(PARTIAL) || name.startsWith(EVICTED)) && Folders.ownerIsGone(name)) {
                    Folders.delete(p);
                    removed++;
                } else if (name.endsWith(FORMAT) && ObjectId.isId(name.substring(0, name.length() - FORMAT.length()))
                        && Files.isDirectory(p)) {
                    trees.add(p);
                }
            }
        } catch (IOException e) {
            return removed;
        }
        trees.sort(Comparator.comparing(ExportCache::lastUsed).reversed());
        for (Path tree : trees.subList(Math.min(keep, trees.size()), trees.size())) {
            if (evictIfUnused(tree)) {
                removed++;
            }
        }
        return removed;
    }

    private boolean evictIfUnused(Path tree) {
        Path lockFile = lockFile(tree);
        synchronized (HELD) {
            if (HELD.containsKey(lockFile)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    return false; // a run in another process uses it
                }
                // Renamed first, so that no run ever finds a half-deleted tree under its id.
                Path doomed = root.resolve(EVICTED + tree.getFileName() + "." + Folders.stamp());
                Files.move(tree, doomed, StandardCopyOption.ATOMIC_MOVE);
                // The lock files stay: one deleted while another process waits on it would let two
                // processes hold "the" lock of one tree.
                lock.release();
                Folders.delete(doomed);
                return true;
            } catch (IOException | OverlappingFileLockException e) {
                return false;
            }
        }
    }

    private static Path lockFile(Path tree) {
        return tree.resolveSibling(tree.getFileName() + ".lock");
    }

    /** Where the export of {@code tree} is (or would be) kept. */
    public Path folder(ObjectId tree) {
        return root.resolve(tree.name() + FORMAT);
    }

    private static FileTime lastUsed(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static void createPrivate(Path dir) throws IOException {
        // Exported files are writable by uid 65534 (the overlay copies their mode up): only the
        // owner may reach them on the host, and a folder someone else made (or a link) is refused.
        Folders.requirePrivate(dir.getParent());
        Folders.requirePrivate(dir);
    }

    private static Held acquire(Path lockFile) throws IOException {
        synchronized (HELD) {
            Held h = HELD.get(lockFile);
            if (h == null) {
                FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                try {
                    ch.lock(0, Long.MAX_VALUE, true);
                    h = new Held(lockFile, ch);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                HELD.put(lockFile, h);
            }
            h.count++;
            return h;
        }
    }

    private static void release(Held h) {
        synchronized (HELD) {
            if (--h.count == 0) {
                HELD.remove(h.lockFile);
                try {
                    h.channel.close(); // releases the lock
                } catch (IOException ignored) {
                    // The lock goes with the process at the latest.
                }
            }
        }
    }

    private static final class Held {
        final Path lockFile;
        final FileChannel channel;
        int count;

        Held(Path lockFile, FileChannel channel) {
            this.lockFile = lockFile;
            this.channel = channel;
        }
    }

    /** One run's use of a shared export: the lower layer, what it holds, and the lock keeping it. */
    public static final class Lease implements AutoCloseable {
        private final Path tree;
        private final ObjectId baseTree;
        private final boolean built;
        private Held held;

        private Lease(Path tree, ObjectId baseTree, boolean built, Held held) {
            this.tree = tree;
            this.baseTree = baseTree;
            this.built = built;
            this.held = held;
        }

        /** The exported tree; never to be written. */
        public Path tree() {
            return tree;
        }

        /** The id of the tree exported. */
        public ObjectId baseTree() {
            return baseTree;
        }

        /** Whether this lease wrote the export (the first run on this tree) rather than reusing it. */
        public boolean built() {
            return built;
        }

        @Override
        public void close() {
            if (held != null) {
                release(held);
                held = null;
            }
        }
    }
}
