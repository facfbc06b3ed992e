package dev.agentsandbox.workspace;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * One tree looked up path by path in the object database, for work that only visits what changed
 * (an overlay's upper layer, the checks' head layer): nothing is listed that the change does not touch.
 */
final class TreeLookup {
    private final ObjectReader reader;
    private final ObjectId tree;

    TreeLookup(ObjectReader reader, ObjectId tree) {
        this.reader = reader;
        this.tree = tree;
    }

    /** The entry at this path (a file mode, or TREE for a folder), or null when there is none. */
    FileMode mode(String path) throws IOException {
        try (TreeWalk tw = TreeWalk.forPath(reader, path, tree)) {
            return tw == null ? null : tw.getFileMode(0);
        }
    }

    /** The file or symlink at this path (stat data unknown), or null when there is none (absent, a folder, a submodule). */
    BaseSnapshot.Entry file(String path) throws IOException {
        try (TreeWalk tw = TreeWalk.forPath(reader, path, tree)) {
            if (tw == null) {
                return null;
            }
            FileMode mode = tw.getFileMode(0);
            if (mode == FileMode.TREE || mode == FileMode.GITLINK) {
                return null;
            }
            return new BaseSnapshot.Entry(tw.getObjectId(0), mode.getBits(), -1, -1, -1, -1);
        }
    }

    /** Whether a folder is at this path. */
    boolean isFolder(String path) throws IOException {
        return mode(path) == FileMode.TREE;
    }

    /** Every file and symlink beneath a folder, with '/' paths from the root. */
    List<String> filesUnder(String folder) throws IOException {
        List<String> out = new ArrayList<>();
        try (TreeWalk tw = new TreeWalk(reader)) {
            tw.addTree(tree);
            tw.setRecursive(true);
            tw.setFilter(PathFilter.create(folder));
            while (tw.next()) {
                FileMode mode = tw.getFileMode(0);
                if (mode != FileMode.GITLINK && tw.getPathString().startsWith(folder + "/")) {
                    out.add(tw.getPathString());
                }
            }
        }
        return out;
    }
}
