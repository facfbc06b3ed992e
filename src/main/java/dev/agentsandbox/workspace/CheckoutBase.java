package dev.agentsandbox.workspace;

import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxUser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.attributes.Attributes;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.CoreConfig.EolStreamType;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.WorkingTreeIterator;

/**
 * The runner's checkout as the lower layer of the agent's overlay, so that a fresh runner does not
 * write the base tree a second time. Used only where it provably is the base tree: every tracked
 * file equals the base commit's blob, byte for byte (trusted from git's index only where its stat
 * data matches, the entry is not racily clean, and checkout converts nothing; hashed otherwise),
 * and everything else (.git, untracked and ignored paths, submodules) is hidden by whiteouts in a
 * layer the run makes above it. overlayfs never writes a lower layer, so the checkout is never
 * changed. Anything that does not match is a reason to export instead, never an error.
 */
public final class CheckoutBase {
    /** More paths to hide than this, and writing the export is the quicker way (a whiteout is a mknod(1) each). */
    static final int MAX_HIDDEN = 5_000;

    /** What the examination found: the layers to stand on, or why not. */
    public sealed interface Outcome permits Usable, Refused {
    }

    /**
     * @param layers the lower layers, top first: the hiding layer, then the checkout
     * @param owner the checkout's owner, whom the sandbox must run as
     * @param files tracked files checked
     * @param hashed of those, how many were read (the index's stat data could not vouch for them)
     * @param hidden paths hidden (a whole untracked folder is one)
     */
    public record Usable(List<Path> layers, SandboxUser owner, int files, int hashed, int hidden) implements Outcome {
    }

    public record Refused(String reason) implements Outcome {
    }

    private final Repository repo;
    private final Path top;
    private final List<String> hidden = new ArrayList<>();
    private int files;
    private int hashed;

    private CheckoutBase(Repository repo, Path top) {
        this.repo = repo;
        this.top = top;
    }

    /**
     * @param layer an empty folder of the run's, for the hiding layer
     * @param processUid this process's user: the checkout must be its own
     */
    public static Outcome examine(Repository repo, ObjectId commit, Path layer, int processUid) {
        if (repo.isBare()) {
            return new Refused("the repository has no work tree");
        }
        String names = System.getProperty("sun.jnu.encoding", "");
        if (!names.equalsIgnoreCase("UTF-8")) {
            // A name the JVM cannot spell would get its whiteout under another name, and show.
            return new Refused("this JVM reads file names as " + names + ", not UTF-8 (run it with LANG=C.UTF-8; bin/agent-sandbox does)");
        }
        try {
            Path top = repo.getWorkTree().toPath().toRealPath();
            if (!Mount.overlayCapable(top) || !Mount.overlayCapable(layer)) {
                return new Refused("its path has a character overlayfs options cannot carry (, : = \\)");
            }
            Map<String, Object> a = Files.readAttributes(top, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) a.get("uid");
            int gid = (Integer) a.get("gid");
            if (uid == 0 || gid == 0) {
                return new Refused("the checkout belongs to root (" + uid + ":" + gid + "), and the agent never runs as root");
            }
            if (uid != processUid) {
                return new Refused("the checkout belongs to uid " + uid + ", not to this process's user (" + processUid + ")");
            }
            Path gitDir = repo.getDirectory().toPath().toRealPath();
            if (gitDir.startsWith(top) && !gitDir.equals(top.resolve(Constants.DOT_GIT))) {
                return new Refused("its git folder lies inside the work tree at " + top.relativize(gitDir));
            }
            CheckoutBase c = new CheckoutBase(repo, top);
            String why = c.compare(commit, uid);
            if (why != null) {
                return new Refused(why);
            }
            if (Files.exists(top.resolve(Constants.DOT_GIT), LinkOption.NOFOLLOW_LINKS)) {
                c.hidden.add(Constants.DOT_GIT);
            }
            if (c.hidden.size() > MAX_HIDDEN) {
                return new Refused(c.hidden.size() + " untracked or ignored paths to hide (more than " + MAX_HIDDEN + ")");
            }
            for (String h : c.hidden) {
                if (h.indexOf('\uFFFD') >= 0 || !Files.exists(top.resolve(h), LinkOption.NOFOLLOW_LINKS)) {
                    return new Refused("the untracked name " + h + " is not valid UTF-8, so it could not be hidden by name");
                }
            }
            Files.setPosixFilePermissions(layer, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (!Whiteouts.make(layer, c.hidden)) {
                return new Refused("this kernel does not let this user make overlayfs whiteouts (Linux 5.8 or later does)");
            }
            copyModes(top, layer);
            return new Usable(List.of(layer, top), new SandboxUser(uid, gid), c.files, c.hashed, c.hidden.size());
        } catch (IOException | RuntimeException e) {
            return new Refused("it could not be read (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Refused("interrupted");
        }
    }

    /** Null when the checkout holds the base tree; else the first difference. Collects what to hide. */
    private String compare(ObjectId commit, int owner) throws IOException {
        DirCache index = repo.readDirCache(); // racily clean entries come smudged: their stat data vouches for nothing
        if (index.hasUnmergedPaths()) {
            return "the index has unmerged paths";
        }
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader); TreeWalk tw = new TreeWalk(repo, reader)) {
            tw.setOperationType(TreeWalk.OperationType.CHECKOUT_OP);
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.addTree(new DirCacheIterator(index));
            tw.addTree(new FileTreeIterator(repo));
            tw.setRecursive(false);
            while (tw.next()) {
                String path = tw.getPathString();
                FileMode base = tw.getFileMode(0);
                FileMode indexed = tw.getFileMode(1);
                FileMode checkedOut = tw.getFileMode(2);
                if (base == FileMode.MISSING) {
                    if (indexed != FileMode.MISSING) {
                        return path + " is in the index but not in the base commit";
                    }
                    hidden.add(path); // untracked or ignored: hidden whole
                } else if (base == FileMode.GITLINK) {
                    if (checkedOut != FileMode.MISSING) {
                        hidden.add(path); // submodules are not part of the workspace
                    }
                } else if (base == FileMode.TREE) {
                    if (checkedOut != FileMode.TREE && Files.exists(top.resolve(path).resolve(Constants.DOT_GIT), LinkOption.NOFOLLOW_LINKS)) {
                        return path + " holds a .git of its own, which git does not look into";
                    }
                    if (checkedOut != FileMode.TREE) {
                        return path + " is " + (checkedOut == FileMode.MISSING ? "missing" : "not a plain folder") + " in the checkout";
                    }
                    String why = ownDirectory(path, owner);
                    if (why != null) {
                        return why;
                    }
                    tw.enterSubtree();
                } else {
                    String why = sameFile(tw, path, base, indexed, checkedOut, owner, reader);
                    if (why != null) {
                        return why;
                    }
                }
            }
        }
        return null;
    }

    private String ownDirectory(String path, int owner) throws IOException {
        Path dir = top.resolve(path);
        Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        if ((Integer) a.get("uid") != owner || ((Integer) a.get("mode") & 0700) != 0700) {
            return path + "/ is not the checkout owner's to write";
        }
        if (Files.exists(dir.resolve(Constants.DOT_GIT), LinkOption.NOFOLLOW_LINKS)) {
            hidden.add(path + "/" + Constants.DOT_GIT); // a repository's folder git does not list
        }
        return null;
    }

    private String sameFile(TreeWalk tw, String path, FileMode base, FileMode indexed, FileMode checkedOut, int owner,
                            ObjectReader reader) throws IOException {
        if (indexed != base || !tw.idEqual(0, 1)) {
            return path + " differs in the index from the base commit";
        }
        DirCacheEntry entry = tw.getTree(1, DirCacheIterator.class).getDirCacheEntry();
        if (entry.getStage() != 0 || entry.isSkipWorkTree() || entry.isIntentToAdd()) {
            return path + " is marked in the index (skip-worktree, intent-to-add or a merge stage)";
        }
        if (checkedOut == FileMode.MISSING) {
            return path + " is missing from the checkout";
        }
        Path file = top.resolve(path);
        Map<String, Object> a = Files.readAttributes(file, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        boolean link = (mode & FileStat.S_IFMT) == FileStat.S_IFLNK;
        if (link != (base == FileMode.SYMLINK) || !link && (mode & FileStat.S_IFMT) != FileStat.S_IFREG) {
            return path + " is of another kind in the checkout";
        }
        if (!link && ((mode & 0100) != 0) != (base == FileMode.EXECUTABLE_FILE)) {
            return path + " has another executable bit in the checkout";
        }
        if ((Integer) a.get("uid") != owner || !link && (mode & 0600) != 0600) {
            return path + " is not the checkout owner's to read and write";
        }
        files++;
        WorkingTreeIterator checkout = tw.getTree(2, WorkingTreeIterator.class);
        if (!entry.isAssumeValid() && !converted(tw) && checkout.compareMetadata(entry) == WorkingTreeIterator.MetadataDiff.EQUAL) {
            return null; // git's stat cache vouches for the content
        }
        hashed++;
        ObjectId raw;
        try (ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
            if (link) {
                raw = f.idFor(Constants.OBJ_BLOB, Files.readSymbolicLink(file).toString().getBytes(StandardCharsets.UTF_8));
            } else {
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    raw = f.idFor(Constants.OBJ_BLOB, Files.size(file), in);
                }
            }
        }
        return raw.equals(tw.getObjectId(0)) ? null : path + " differs from the base commit";
    }

    /** Whether checkout may have written other bytes than the blob's: end-of-line conversion, a filter, ident, an encoding. */
    private static boolean converted(TreeWalk tw) throws IOException {
        EolStreamType eol = tw.getEolStreamType(TreeWalk.OperationType.CHECKOUT_OP);
        if (eol != null && eol != EolStreamType.DIRECT) {
            return true;
        }
        Attributes attrs = tw.getAttributes();
        return attrs.get("filter") != null || attrs.isSet("ident") || attrs.get("working-tree-encoding") != null;
    }

    /** The merged view's folders take the top layer's owner and mode: the hiding layer's are the checkout's. */
    private static void copyModes(Path top, Path layer) throws IOException {
        try (var s = Files.walk(layer)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Path in = top.resolve(layer.relativize(p).toString());
                    Files.setPosixFilePermissions(p, Files.getPosixFilePermissions(in, LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
    }
}
