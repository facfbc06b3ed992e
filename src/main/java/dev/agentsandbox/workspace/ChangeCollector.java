package dev.agentsandbox.workspace;

import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;

/**
 * Compares the workspace the agent left with the base tree, on the host, and refuses what an
 * honest change never contains: symlinks that leave the workspace, device nodes, FIFOs, sockets,
 * setuid or setgid files, over-size files, git metadata, names git cannot store. It never
 * follows a symlink: every path is read with NOFOLLOW_LINKS.
 */
public final class ChangeCollector {
    /**
     * How big a change may be, enforced while it is read, before anything is held per line: a
     * change past a limit is refused whole, so memory stays bounded whatever the agent wrote.
     *
     * @param maxFileBytes largest file (policy.max-file-size)
     * @param maxFiles most files changed (policy.max-files)
     * @param maxLines most lines added and removed (policy.max-lines)
     * @param maxChangeBytes most bytes of new content (policy.max-change-size)
     */
    public record Limits(long maxFileBytes, int maxFiles, int maxLines, long maxChangeBytes) {
        public static Limits of(dev.agentsandbox.config.PolicyConfig p) {
            return new Limits(p.maxFileBytes(), p.maxFiles(), p.maxLines(), p.maxChangeBytes());
        }
    }

    /** Entries an upper layer may hold (rewrites included) before the walk stops holding them. */
    private static final int MIN_UPPER_ENTRIES = 100_000;

    private final long maxFileBytes;
    private final Limits limits;

    public ChangeCollector(Limits limits) {
        this.maxFileBytes = limits.maxFileBytes();
        this.limits = limits;
    }

    /** No limit but the file size (tests, benchmarks). */
    public ChangeCollector(long maxFileBytes) {
        this(new Limits(maxFileBytes, Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE));
    }

    /** Compares a whole workspace (a private copy of the base) with the base. */
    public Collected collect(Path workspace, BaseSnapshot base, ObjectReader reader) throws InfrastructureException {
        Map<String, FileStat> seen = new TreeMap<>();
        List<Finding> refusals = new ArrayList<>();
        walk(workspace, seen, refusals, null);
        List<String> deleted = base.entries().keySet().stream().filter(p -> !seen.containsKey(p)).toList();
        return compare(workspace, seen, refusals, base.entries()::get, deleted, base.exportedAtNanos(), reader, () -> {
            Map<String, ObjectId> links = new HashMap<>();
            base.entries().forEach((p, e) -> {
                if (e.mode() == SYMLINK) {
                    links.put(p, e.blob());
                }
            });
            return links;
        });
    }

    /**
     * Reads the change from the upper layer of an overlay whose lower layer is the base tree: only
     * what the agent wrote is there, and the base is looked up only where it did, so the cost follows
     * the change, not the repository. A whiteout (a 0:0 character device) deletes a path; an opaque
     * folder hides all of the base beneath it.
     */
    public Collected collectUpper(Path upper, ObjectId baseTree, ObjectReader reader) throws InfrastructureException {
        Map<String, FileStat> seen = new TreeMap<>();
        List<Finding> refusals = new ArrayList<>();
        OverlayUpperLayer layer = new OverlayUpperLayer();
        walk(upper, seen, refusals, layer);
        TreeLookup base = new TreeLookup(reader, baseTree);
        try {
            List<String> deleted = layer.deletions(base, seen);
            Map<String, BaseSnapshot.Entry> known = new HashMap<>();
            for (String p : seen.keySet()) {
                known.put(p, base.file(p));
            }
            for (String p : deleted) {
                known.put(p, base.file(p));
            }
            return compare(upper, seen, refusals, known::get, deleted, 0, reader, () -> baseLinks(reader, baseTree));
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the base tree: " + e.getMessage(), e);
        }
    }

    private static final int SYMLINK = 0120000;

    /** Every symbolic link of a tree: path -> target blob (read only when the change adds or alters a link). */
    private static Map<String, ObjectId> baseLinks(ObjectReader reader, ObjectId tree) throws IOException {
        Map<String, ObjectId> links = new HashMap<>();
        try (org.eclipse.jgit.treewalk.TreeWalk tw = new org.eclipse.jgit.treewalk.TreeWalk(reader)) {
            tw.addTree(tree);
            tw.setRecursive(true);
            while (tw.next()) {
                if (tw.getRawMode(0) == SYMLINK) {
                    links.put(tw.getPathString(), tw.getObjectId(0));
                }
            }
        }
        return links;
    }

    @FunctionalInterface
    private interface BaseLinks {
        Map<String, ObjectId> get() throws IOException;
    }

    private Collected compare(Path workspace, Map<String, FileStat> seen, List<Finding> refusals,
                              java.util.function.Function<String, BaseSnapshot.Entry> base, List<String> deleted, long exportedAtNanos,
                              ObjectReader reader, BaseLinks baseLinks) throws InfrastructureException {
        if (!refusals.isEmpty()) {
            return new Collected(new ChangeSet(List.of()), refusals, Map.of());
        }
        List<FileChange> changes = new ArrayList<>();
        Map<String, Path> headFiles = new HashMap<>();
        Budget budget = new Budget(limits, refusals);
        try (ObjectInserter.Formatter hasher = new ObjectInserter.Formatter()) {
            for (Map.Entry<String, FileStat> e : seen.entrySet()) {
                String path = e.getKey();
                FileStat st = e.getValue();
                Path file = workspace.resolve(path);
                BaseSnapshot.Entry old = base.apply(path);
                if (old != null && st.sameAs(old) && st.mtimeNanos() < exportedAtNanos && st.ctimeNanos() < exportedAtNanos) {
                    continue; // stat-clean, as git's index would say; racy entries fall through to hashing
                }
                byte[] content = st.isSymlink() ? Files.readSymbolicLink(file).toString().getBytes(StandardCharsets.UTF_8)
                        : Files.readAllBytes(file);
                ObjectId id = hasher.idFor(Constants.OBJ_BLOB, content);
                if (old != null && old.blob().equals(id) && old.mode() == st.gitMode()) {
                    continue;
                }
                if (!budget.file(path, content.length)) {
                    break;
                }
                FileChange c = FileDiff.diff(maxFileBytes, path, old == null ? FileChange.Kind.ADDED : FileChange.Kind.MODIFIED,
                        old == null ? 0 : old.mode(), st.gitMode(), old == null ? null : old.blob(), content, reader, budget);
                if (c == null) {
                    break;
                }
                changes.add(c);
                headFiles.put(path, file);
            }
            for (String path : refusals.isEmpty() ? deleted : List.<String>of()) {
                BaseSnapshot.Entry old = base.apply(path);
                if (old != null) {
                    if (!budget.file(path, 0)) {
                        break;
                    }
                    FileChange c = FileDiff.diff(maxFileBytes, path, FileChange.Kind.DELETED, old.mode(), 0, old.blob(), new byte[0], reader, budget);
                    if (c == null) {
                        break;
                    }
                    changes.add(c);
                }
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot compare the workspace with the base: " + e.getMessage(), e);
        }
        if (refusals.isEmpty()) {
            try {
                checkPathsAndLinks(changes, headFiles, reader, baseLinks, refusals);
            } catch (IOException e) {
                throw new InfrastructureException("cannot resolve the tree's links: " + e.getMessage(), e);
            }
        }
        if (!refusals.isEmpty()) {
            return new Collected(new ChangeSet(List.of()), refusals, Map.of());
        }
        changes.sort(java.util.Comparator.comparing(FileChange::path));
        return new Collected(new ChangeSet(changes), List.of(), headFiles);
    }

    /**
     * Paths as git itself checks tree entries, with its Windows and macOS rules (case variants of
     * .git, ".git.", "git~1", ignorable Unicode, reserved names): each would be git metadata or break
     * a clone somewhere. And the links of the resulting tree resolved as a file system would: any that
     * can leave the repository, directly or through other links, is refused.
     */
    private static void checkPathsAndLinks(List<FileChange> changes, Map<String, Path> headFiles, ObjectReader reader, BaseLinks baseLinks,
                                           List<Finding> refusals) throws IOException {
        org.eclipse.jgit.lib.ObjectChecker checker = new org.eclipse.jgit.lib.ObjectChecker().setSafeForWindows(true).setSafeForMacOS(true);
        Map<String, String> changedLinks = new HashMap<>();
        Set<String> gone = new HashSet<>();
        for (FileChange f : changes) {
            if (f.kind() == FileChange.Kind.DELETED) {
                gone.add(f.path());
                continue;
            }
            try {
                checker.checkPath(f.path());
            } catch (org.eclipse.jgit.errors.CorruptObjectException e) {
                refuse(refusals, "git-path", f.path(), "git refuses this path on some systems (" + e.getMessage()
                        + "): it would be git metadata or break a clone on Windows or macOS");
                continue;
            }
            String leaf = f.path().substring(f.path().lastIndexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
            if (f.newMode() == SYMLINK) {
                if (leaf.startsWith(".gitmodules") || leaf.startsWith("gitmod~") || leaf.equals(".gitattributes") || leaf.equals(".gitignore")
                        || leaf.equals(".mailmap")) {
                    refuse(refusals, "git-path", f.path(), "a symbolic link named like a git control file (git refuses these)");
                    continue;
                }
                changedLinks.put(f.path(), Files.readSymbolicLink(headFiles.get(f.path())).toString());
            } else {
                gone.add(f.path());
            }
        }
        if (changedLinks.isEmpty() || !refusals.isEmpty()) {
            return; // without a new or altered link, no path of the tree can newly leave it
        }
        Map<String, String> links = new HashMap<>();
        for (Map.Entry<String, ObjectId> e : baseLinks.get().entrySet()) {
            if (!gone.contains(e.getKey()) && !changedLinks.containsKey(e.getKey())) {
                links.put(e.getKey(), new String(reader.open(e.getValue()).getBytes(4096), StandardCharsets.UTF_8));
            }
        }
        links.putAll(changedLinks);
        LinkResolver resolver = new LinkResolver(links);
        for (String path : new java.util.TreeSet<>(links.keySet())) {
            String why = resolver.escape(path);
            if (why != null) {
                refuse(refusals, "symlink-escape", path, "a symbolic link (-> " + links.get(path) + ") that can leave the repository: "
                        + why + (changedLinks.containsKey(path) ? "" : " (a link of the base, made to escape by the change's links)"));
            }
        }
    }

    /** What the change may still hold; the first limit crossed becomes the refusal. */
    static final class Budget {
        private final Limits limits;
        private final List<Finding> refusals;
        private int files;
        private long lines;
        private long bytes;

        Budget(Limits limits, List<Finding> refusals) {
            this.limits = limits;
            this.refusals = refusals;
        }

        boolean file(String path, long newBytes) {
            files++;
            bytes += newBytes;
            if (files > limits.maxFiles()) {
                refuse(refusals, "too-many-files", path, "the change touches more than " + limits.maxFiles()
                        + " files (policy.max-files); split the task");
                return false;
            }
            if (bytes > limits.maxChangeBytes()) {
                refuse(refusals, "change-too-large", path, "the change holds more than " + limits.maxChangeBytes()
                        + " bytes of new content (policy.max-change-size)");
                return false;
            }
            return true;
        }

        boolean lines(String path, long changed) {
            lines += changed;
            if (lines > limits.maxLines()) {
                refuse(refusals, "too-many-lines", path, "the change adds and removes more than " + limits.maxLines()
                        + " lines (policy.max-lines); split the task");
                return false;
            }
            return true;
        }
    }

    private void walk(Path root, Map<String, FileStat> seen, List<Finding> refusals, OverlayUpperLayer layer) throws InfrastructureException {
        try {
            walkTree(root, seen, refusals, layer);
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the workspace " + root + ": " + e.getMessage(), e);
        }
    }

    private void walkTree(Path root, Map<String, FileStat> seen, List<Finding> refusals, OverlayUpperLayer layer) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                String rel = relative(root, dir);
                if (layer != null) {
                    layer.directory(dir, rel);
                }
                if (dir.getFileName().toString().equals(".git")) {
                    refuse(refusals, "git-metadata", rel, "a .git folder: git metadata (hooks, config) from the sandbox is never used");
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!validName(rel, refusals)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(root, file);
                if (!validName(rel, refusals)) {
                    return FileVisitResult.CONTINUE;
                }
                FileStat st = FileStat.of(file);
                if (layer != null && layer.entry(file, rel, st)) {
                    return FileVisitResult.CONTINUE; // a whiteout: the path was deleted
                }
                if (file.getFileName().toString().equals(".git")) {
                    refuse(refusals, "git-metadata", rel, "a .git file: git metadata from the sandbox is never used");
                } else if (st.isSymlink()) {
                    checkSymlink(root, file, rel, refusals, seen, st);
                } else if (!st.isRegular()) {
                    refuse(refusals, "special-file", rel, "a device node, FIFO or socket (" + Integer.toOctalString(st.type()) + ")");
                } else if (st.setuidOrSetgid()) {
                    refuse(refusals, "setuid", rel, "a setuid or setgid file (mode " + Integer.toOctalString(st.unixMode() & 07777) + ")");
                } else if (st.size() > maxFileBytes) {
                    refuse(refusals, "oversize", rel, st.size() + " bytes, over the limit of " + maxFileBytes + " (policy.max-file-size)");
                } else {
                    seen.put(rel, st);
                }
                if (layer != null && seen.size() > Math.max(MIN_UPPER_ENTRIES, 10L * limits.maxFiles())) {
                    refuse(refusals, "too-many-files", rel, "the agent wrote more than " + seen.size()
                            + " files (policy.max-files is " + limits.maxFiles() + ")");
                    return FileVisitResult.TERMINATE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                refuse(refusals, "unreadable", relative(root, file), "cannot be read: " + exc.getMessage());
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void checkSymlink(Path root, Path file, String rel, List<Finding> refusals, Map<String, FileStat> seen, FileStat st)
            throws IOException {
        Path target = Files.readSymbolicLink(file);
        if (target.isAbsolute()) {
            refuse(refusals, "symlink-escape", rel, "a symlink to the absolute path " + target + ", outside the workspace");
            return;
        }
        // Lexical resolution: the link's folder is inside the workspace (the walk never follows links),
        // so a target that normalizes outside the root leaves it; chains are checked link by link.
        Path resolved = file.getParent().resolve(target).normalize();
        if (!resolved.startsWith(root.normalize())) {
            refuse(refusals, "symlink-escape", rel, "a symlink to " + target + ", which leaves the workspace");
            return;
        }
        seen.put(rel, st);
    }

    private static boolean validName(String rel, List<Finding> refusals) {
        if (rel.indexOf('\uFFFD') >= 0) {
            refuse(refusals, "file-name", rel, "a file name that is not valid UTF-8; rename it");
            return false;
        }
        return true;
    }

    private static void refuse(List<Finding> refusals, String rule, String path, String what) {
        refusals.add(Finding.at(Collected.GATE, rule, Verdict.FAIL, path + ": " + what + "; nothing was committed", path, 0));
    }

    static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

}
