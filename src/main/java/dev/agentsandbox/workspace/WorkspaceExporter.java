package dev.agentsandbox.workspace;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
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
        return export(repo, commitId, target, TreeFilter.ALL);
    }

    /** Writes only the paths the filter passes (with the folders above them). */
    public BaseSnapshot export(Repository repo, ObjectId commitId, Path target, TreeFilter filter) throws InfrastructureException {
        Map<String, BaseSnapshot.Entry> entries = new HashMap<>();
        try (RevWalk rw = new RevWalk(repo); ObjectReader reader = repo.newObjectReader(); TreeWalk tw = new TreeWalk(reader)) {
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
                ObjectId blob = tw.getObjectId(0);
                if (mode == FileMode.SYMLINK) {
                    String linkTarget = new String(reader.open(blob).getBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    Files.createSymbolicLink(file, Path.of(linkTarget));
                    giveToSandbox(file);
                } else {
                    try (OutputStream out = Files.newOutputStream(file)) {
                        reader.open(blob).copyTo(out);
                    }
                    // The sandbox runs as uid 65534: the private workspace must be writable by it.
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(
                            mode == FileMode.EXECUTABLE_FILE ? "rwxrwxrwx" : "rw-rw-rw-"));
                    giveToSandbox(file);
                }
                FileStat st = FileStat.of(file);
                entries.put(path, new BaseSnapshot.Entry(blob, mode.getBits(), st.size(), st.mtimeNanos(), st.ctimeNanos(), st.inode()));
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot export commit " + commitId.name() + " into " + target + ": " + e.getMessage(), e);
        }
        java.time.Instant now = clock.instant();
        return new BaseSnapshot(commitId.copy(), entries, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

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
