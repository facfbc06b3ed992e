package dev.agentsandbox.workspace;

import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.gate.Finding;
import dev.agentsandbox.gate.Verdict;
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
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
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
    private final long maxFileBytes;

    public ChangeCollector(long maxFileBytes) {
        this.maxFileBytes = maxFileBytes;
    }

    public Collected collect(Path workspace, BaseSnapshot base, ObjectReader reader) throws InfrastructureException {
        Map<String, FileStat> seen = new TreeMap<>();
        List<Finding> refusals = new ArrayList<>();
        try {
            walk(workspace, seen, refusals);
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the workspace " + workspace + ": " + e.getMessage(), e);
        }
        List<FileChange> changes = new ArrayList<>();
        Map<String, Path> headFiles = new HashMap<>();
        Set<String> present = new HashSet<>();
        try (ObjectInserter.Formatter hasher = new ObjectInserter.Formatter()) {
            for (Map.Entry<String, FileStat> e : seen.entrySet()) {
                String path = e.getKey();
                FileStat st = e.getValue();
                Path file = workspace.resolve(path);
                present.add(path);
                BaseSnapshot.Entry old = base.entries().get(path);
                if (old != null && st.sameAs(old) && st.mtimeNanos() < base.exportedAtNanos() && st.ctimeNanos() < base.exportedAtNanos()) {
                    continue; // stat-clean, as git's index would say; racy entries fall through to hashing
                }
                byte[] content = st.isSymlink() ? Files.readSymbolicLink(file).toString().getBytes(StandardCharsets.UTF_8)
                        : Files.readAllBytes(file);
                ObjectId id = hasher.idFor(Constants.OBJ_BLOB, content);
                if (old != null && old.blob().equals(id) && old.mode() == st.gitMode()) {
                    continue;
                }
                byte[] before = old == null ? new byte[0] : reader.open(old.blob()).getBytes();
                changes.add(diff(path, old == null ? FileChange.Kind.ADDED : FileChange.Kind.MODIFIED,
                        old == null ? 0 : old.mode(), st.gitMode(), before, content));
                headFiles.put(path, file);
            }
            for (Map.Entry<String, BaseSnapshot.Entry> e : base.entries().entrySet()) {
                if (!present.contains(e.getKey())) {
                    byte[] before = reader.open(e.getValue().blob()).getBytes();
                    changes.add(diff(e.getKey(), FileChange.Kind.DELETED, e.getValue().mode(), 0, before, new byte[0]));
                }
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot compare the workspace with the base: " + e.getMessage(), e);
        }
        changes.sort(java.util.Comparator.comparing(FileChange::path));
        if (!refusals.isEmpty()) {
            return new Collected(new ChangeSet(List.of()), refusals, Map.of());
        }
        return new Collected(new ChangeSet(changes), List.of(), headFiles);
    }

    private void walk(Path root, Map<String, FileStat> seen, List<Finding> refusals) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                String rel = relative(root, dir);
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

    private static FileChange diff(String path, FileChange.Kind kind, int oldMode, int newMode, byte[] before, byte[] after) {
        boolean binary = RawText.isBinary(before) || RawText.isBinary(after);
        if (binary || oldMode == 0120000 || newMode == 0120000) {
            return new FileChange(path, kind, oldMode, newMode, binary, after.length, List.of(), 0);
        }
        RawText a = new RawText(before);
        RawText b = new RawText(after);
        EditList edits = DiffAlgorithm.getAlgorithm(DiffAlgorithm.SupportedAlgorithm.HISTOGRAM).diff(RawTextComparator.DEFAULT, a, b);
        List<AddedLine> added = new ArrayList<>();
        int removed = 0;
        for (Edit e : edits) {
            removed += e.getLengthA();
            for (int i = e.getBeginB(); i < e.getEndB(); i++) {
                added.add(new AddedLine(i + 1, b.getString(i)));
            }
        }
        return new FileChange(path, kind, oldMode, newMode, false, after.length, added, removed);
    }
}
