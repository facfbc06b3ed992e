package dev.agentsandbox.workspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.DirectoryStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
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
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

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
     * @param owner the uid of the checkout's owner, whom the sandbox must run as
     * @param files tracked files checked
     * @param hashed of those, how many were read (the index's stat data could not vouch for them)
     * @param hidden paths hidden (a whole untracked folder is one)
     */
    public record Usable(List<Path> layers, int owner, int files, int hashed, int hidden, Watch watch) implements Outcome {
        /** What changed in the checkout since it was examined, or null: the checks stand on it only if nothing did. */
        public String changed() {
            return watch.changed();
        }
    }

    public record Refused(String reason) implements Outcome {
    }

    private final Repository repo;
    private final Path top;
    private final List<String> hidden = new ArrayList<>();
    private final Watch watch;
    private boolean trustIndex = true;
    private final TrackedFiles files = new TrackedFiles();
    private final Set<String> gitlinks = new HashSet<>();
    private boolean attributed;

    private CheckoutBase(Repository repo, Path top) {
        this.repo = repo;
        this.top = top;
        this.watch = new Watch(top);
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
            Map<String, Object> a = Files.readAttributes(top, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) a.get("uid");
            int gid = (Integer) a.get("gid");
            if (uid == 0 || gid == 0) {
                return new Refused("the checkout belongs to root (" + uid + ":" + gid + "), and the agent never runs as root");
            }
            if (uid != processUid) {
                return new Refused("the checkout belongs to uid " + uid + ", not to this process's user (" + processUid + ")");
            }
            String parents = parentsHeld(top, uid);
            if (parents != null) {
                return new Refused(parents);
            }
            String mounted = mountBelow(top);
            if (mounted != null) {
                return new Refused("a file system is mounted inside it, at " + mounted + " (overlayfs would show what lies beneath)");
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
            return new Usable(List.of(layer, top), uid, c.files.size(), c.files.hashed(), c.hidden.size(), c.watch);
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
        // git compares seconds only under checkStat=minimal; a system attributes file JGit does not read may convert
        trustIndex = !"minimal".equalsIgnoreCase(repo.getConfig().getString("core", null, "checkStat"))
                && !Files.exists(Path.of("/etc/gitattributes"));
        attributed = attributed(index);
        watch.add("", Files.readAttributes(top, "unix:ctime,lastModifiedTime,size", LinkOption.NOFOLLOW_LINKS));
        Map<String, Set<String>> tracked = new LinkedHashMap<>(); // folder -> the names git has in it
        tracked.put("", new HashSet<>());
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader); TreeWalk tw = new TreeWalk(repo, reader)) {
            tw.setOperationType(TreeWalk.OperationType.CHECKOUT_OP);
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.addTree(new DirCacheIterator(index));
            tw.setRecursive(false);
            while (tw.next()) {
                String path = tw.getPathString();
                FileMode base = tw.getFileMode(0);
                FileMode indexed = tw.getFileMode(1);
                if (base == FileMode.MISSING) {
                    return path + " is in the index but not in the base commit";
                }
                String name = tw.getNameString();
                if (!Arrays.equals(path.getBytes(StandardCharsets.UTF_8), tw.getRawPath())) { // JGit decodes bad UTF-8 as Latin-1
                    return path + " is a name in the base tree that is not valid UTF-8";
                }
                if (name.equals(".") || name.equals("..") || name.equalsIgnoreCase(Constants.DOT_GIT) || name.indexOf('\0') >= 0) {
                    return "the base tree names an entry '" + name + "', which git itself refuses to check out";
                }
                tracked.get(parent(path)).add(name);
                if (base == FileMode.GITLINK) {
                    gitlinks.add(path); // a submodule: not part of the workspace, hidden where checked out
                } else if (base == FileMode.TREE) {
                    String why = ownDirectory(path, owner);
                    if (why != null) {
                        return why;
                    }
                    tracked.put(path, new HashSet<>());
                    tw.enterSubtree();
                } else {
                    String why = sameFile(tw, path, base, indexed);
                    if (why != null) {
                        return why;
                    }
                }
            }
        }
        for (Map.Entry<String, Set<String>> folder : tracked.entrySet()) {
            String why = untracked(folder.getKey(), folder.getValue());
            if (why != null) {
                return why;
            }
        }
        return files.check(top, owner, repo, watch);
    }

    /** Hides every name in a tracked folder that git does not have there (untracked, ignored, a .git), and checked-out submodules. */
    private String untracked(String folder, Set<String> names) throws IOException {
        Path dir = folder.isEmpty() ? top : top.resolve(folder);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.indexOf('\uFFFD') >= 0) {
                    // Decoded, it may equal a tracked name (or another): hidden by name it might not be.
                    return "the name " + folder + "/" + name + " in the checkout is not valid UTF-8";
                }
                String path = folder.isEmpty() ? name : folder + "/" + name;
                if (!names.contains(name) || gitlinks.contains(path)) {
                    hidden.add(path); // a whole untracked folder is one
                }
            }
        }
        return null;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private String ownDirectory(String path, int owner) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(top.resolve(path), "unix:uid,mode,ctime,lastModifiedTime,size", LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return path + " is missing in the checkout";
        }
        watch.add(path, a);
        if (((Integer) a.get("mode") & FileStat.S_IFMT) != FileStat.S_IFDIR) {
            return path + " is not a plain folder in the checkout";
        }
        if ((Integer) a.get("uid") != owner || ((Integer) a.get("mode") & 0700) != 0700) {
            return path + "/ is not the checkout owner's to write";
        }
        return null;
    }

    private String sameFile(TreeWalk tw, String path, FileMode base, FileMode indexed) throws IOException {
        if (indexed != base || !tw.idEqual(0, 1)) {
            return path + " differs in the index from the base commit";
        }
        DirCacheEntry entry = tw.getTree(1, DirCacheIterator.class).getDirCacheEntry();
        if (entry.getStage() != 0 || entry.isSkipWorkTree() || entry.isIntentToAdd()) {
            return path + " is marked in the index (skip-worktree, intent-to-add or a merge stage)";
        }
        // git's stat data vouches for content it wrote unconverted, unless the entry is racily clean (smudged) or assumed
        boolean vouches = trustIndex && !entry.isAssumeValid() && !entry.isSmudged() && !(attributed && converted(tw));
        files.add(path, base, tw.getObjectId(0), vouches ? entry : null);
        return null;
    }

    /**
     * Whether any attribute or setting could convert a file on checkout: without one (most
     * repositories), no file's attributes need working out.
     */
    private boolean attributed(DirCache index) {
        for (int i = 0; i < index.getEntryCount(); i++) {
            String p = index.getEntry(i).getPathString();
            if (p.equals(Constants.DOT_GIT_ATTRIBUTES) || p.endsWith("/" + Constants.DOT_GIT_ATTRIBUTES)) {
                return true;
            }
        }
        var core = repo.getConfig();
        String home = System.getProperty("user.home", "/");
        String xdg = System.getenv().getOrDefault("XDG_CONFIG_HOME", home + "/.config");
        String autocrlf = core.getString("core", null, "autocrlf");
        return Files.exists(repo.getDirectory().toPath().resolve("info/attributes"))
                || core.getString("core", null, "attributesFile") != null || Files.exists(Path.of(xdg, "git", "attributes"))
                || autocrlf != null && !autocrlf.equalsIgnoreCase("false") || core.getString("core", null, "eol") != null;
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

    /**
     * dockerd mounts the checkout by its path, as root, after this examination: no one but root and
     * its owner may swap a folder on that path (a sticky folder such as /tmp keeps others' hands off).
     */
    private static String parentsHeld(Path top, int owner) throws IOException {
        for (Path p = top.getParent(); p != null; p = p.getParent()) {
            Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) a.get("uid");
            int mode = (Integer) a.get("mode");
            if (uid != 0 && uid != owner || (mode & 022) != 0 && (mode & 01000) == 0) {
                return "the folder " + p + " above it may be changed by another user (owner " + uid + ", mode "
                        + Integer.toOctalString(mode & 07777) + ")";
            }
        }
        return null;
    }

    /** The first mount point strictly inside {@code top}, from this process's mount table; null when none. */
    private static String mountBelow(Path top) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                Path point = Path.of(unescape(f[4]));
                if (point.startsWith(top) && !point.equals(top)) {
                    return point.toString();
                }
            }
        }
        return null;
    }

    private static String unescape(String s) { // mountinfo writes space, tab, newline and backslash as \ooo
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 4 <= s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
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
