package dev.agentsandbox.workspace;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.Map;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * Writes one commit's tree into an empty folder: tracked files only, raw blob bytes (no
 * smudge filter, no attributes, no autocrlf: nothing of the repository's configuration runs),
 * no {@code .git}, so the agent never sees history, remotes, credentials or untracked files.
 */
public final class WorkspaceExporter {
    private static final int SANDBOX_ID = 65534;
    /** Whether this process is root: exports then belong to the sandbox user, and whiteouts can be made. */
    static final boolean ROOT = isRoot();
    private final Clock clock;

    public WorkspaceExporter(Clock clock) {
        this.clock = clock;
    }

    public BaseSnapshot export(Repository repo, ObjectId commitId, Path target) throws InfrastructureException {
        return export(repo, commitId, target, TreeFilter.ALL, true);
    }

    /** Writes only the paths the filter passes (with the folders above them). */
    public BaseSnapshot export(Repository repo, ObjectId commitId, Path target, TreeFilter filter) throws InfrastructureException {
        return export(repo, commitId, target, filter, true);
    }

    /**
     * @param stat whether to record each file's stat data (a private copy's snapshot, compared
     *     after the run); a shared read-only export needs only the paths
     */
    public BaseSnapshot export(Repository repo, ObjectId commitId, Path target, TreeFilter filter, boolean stat) throws InfrastructureException {
        Map<String, BaseSnapshot.Entry> entries = new ConcurrentHashMap<>();
        try (RevWalk rw = new RevWalk(repo); ObjectReader reader = repo.newObjectReader(); TreeWalk tw = new TreeWalk(reader);
             Writers writers = new Writers(repo, entries, stat)) {
            RevCommit commit = rw.parseCommit(commitId);
            tw.addTree(commit.getTree());
            tw.setRecursive(true);
            tw.setFilter(filter);
            makeWritableDir(target);
            while (tw.next()) {
                FileMode mode = tw.getFileMode(0);
                String path = tw.getPathString();
                if (mode == FileMode.GITLINK) {
                    continue; // submodules are not part of the workspace
                }
                Path file = target.resolve(path);
                createParents(target, file.getParent());
                ObjectId blob = tw.getObjectId(0).copy();
                if (mode == FileMode.SYMLINK) {
                    String linkTarget = new String(reader.open(blob).getBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    Files.createSymbolicLink(file, Path.of(linkTarget));
                    giveToSandbox(file);
                    writers.record(path, file, blob, mode);
                } else {
                    writers.add(path, file, blob, mode);
                }
            }
            writers.finish();
        } catch (IOException e) {
            throw new InfrastructureException("cannot export commit " + commitId.name() + " into " + target + ": " + e.getMessage(), e);
        }
        java.time.Instant now = clock.instant();
        return new BaseSnapshot(commitId.copy(), new HashMap<>(entries), now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

    /**
     * Writes files in batches on a few threads (each with its own object reader): creating a file,
     * its mode and its owner are system calls, and on a fresh runner's empty disk an export of
     * 100,000 files is bound by them, not by inflating blobs. A tree of one batch is written here.
     */
    private static final class Writers implements AutoCloseable {
        private static final int BATCH = 512;
        // Two cores were the sweet spot at 100,000 files on this disk (1, 2 and 4 threads measured); more contend for the journal.
        private static final int THREADS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

        private final Repository repo;
        private final Map<String, BaseSnapshot.Entry> entries;
        private final boolean stat;
        private final List<ObjectReader> readers = java.util.Collections.synchronizedList(new ArrayList<>());
        private final ThreadLocal<ObjectReader> reader;
        private final List<Future<?>> submitted = new ArrayList<>();
        private ExecutorService pool;
        private List<Item> batch = new ArrayList<>(BATCH);

        private record Item(String path, Path file, ObjectId blob, FileMode mode) {
        }

        Writers(Repository repo, Map<String, BaseSnapshot.Entry> entries, boolean stat) {
            this.repo = repo;
            this.entries = entries;
            this.stat = stat;
            this.reader = ThreadLocal.withInitial(() -> {
                ObjectReader r = repo.newObjectReader();
                readers.add(r);
                return r;
            });
        }

        void add(String path, Path file, ObjectId blob, FileMode mode) throws IOException {
            batch.add(new Item(path, file, blob, mode));
            if (batch.size() == BATCH) {
                List<Item> full = batch;
                batch = new ArrayList<>(BATCH);
                if (pool == null) {
                    pool = java.util.concurrent.Executors.newFixedThreadPool(THREADS, r -> {
                        Thread t = new Thread(r, "agent-sandbox-export");
                        t.setDaemon(true);
                        return t;
                    });
                }
                submitted.add(pool.submit(() -> {
                    write(full);
                    return null;
                }));
            }
        }

        void record(String path, Path file, ObjectId blob, FileMode mode) throws IOException {
            FileStat st = stat ? FileStat.of(file) : null;
            entries.put(path, new BaseSnapshot.Entry(blob, mode.getBits(), st == null ? -1 : st.size(), st == null ? 0 : st.mtimeNanos(),
                    st == null ? 0 : st.ctimeNanos(), st == null ? 0 : st.inode()));
        }

        void finish() throws IOException {
            write(batch);
            batch = new ArrayList<>();
            for (Future<?> f : submitted) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("the export was interrupted");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(e.getCause().getMessage(), e.getCause());
                }
            }
        }

        private void write(List<Item> items) throws IOException {
            ObjectReader r = reader.get();
            for (Item i : items) {
                try (OutputStream out = Files.newOutputStream(i.file(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    r.open(i.blob()).copyTo(out);
                }
                // The sandbox runs as uid 65534: the private workspace must be writable by it.
                Files.setPosixFilePermissions(i.file(), i.mode() == FileMode.EXECUTABLE_FILE ? EXECUTABLE : REGULAR);
                giveToSandbox(i.file());
                record(i.path(), i.file(), i.blob(), i.mode());
            }
        }

        @Override
        public void close() {
            if (pool != null) {
                pool.shutdownNow();
            }
            synchronized (readers) {
                readers.forEach(ObjectReader::close);
            }
        }
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxrwxrwx");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-rw-rw-");

    /** Creates {@code dir} and the folders above it up to {@code root} as an export's folders are made. */
    static void createParents(Path root, Path dir) throws IOException {
        if (dir.equals(root) || Files.isDirectory(dir)) {
            return;
        }
        createParents(root, dir.getParent());
        makeWritableDir(dir);
    }

    static void makeWritableDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        giveToSandbox(dir);
    }

    /**
     * As root, the exported files belong to the sandbox user, so that the agent may also change
     * their modes (chmod +x) as an owner may; otherwise they stay world-writable only.
     */
    private static void giveToSandbox(Path p) throws IOException {
        if (ROOT) {
            Files.setAttribute(p, "unix:uid", SANDBOX_ID, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", SANDBOX_ID, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
