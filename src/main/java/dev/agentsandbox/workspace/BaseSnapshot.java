package dev.agentsandbox.workspace;

import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What the exporter wrote, file by file, with the stat data seen right after writing: the
 * collector hashes only files whose stat data changed, as git's index does.
 *
 * @param commit the base commit
 * @param entries path to entry, for every exported file and symlink
 * @param exportedAtNanos wall-clock time (epoch nanos) when the export finished
 */
public record BaseSnapshot(ObjectId commit, Map<String, Entry> entries, long exportedAtNanos) {
    /** One exported file as git and the file system saw it. */
    public record Entry(ObjectId blob, int mode, long size, long mtimeNanos, long ctimeNanos, long inode) {
    }

    public BaseSnapshot {
        entries = Map.copyOf(entries);
    }
}
