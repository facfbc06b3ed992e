package dev.agentsandbox.change;

import java.util.List;
import java.util.Objects;

/**
 * One file the agent added, modified or deleted.
 *
 * @param path repository-relative path in the head tree ('/' separated; the old path for a deletion)
 * @param kind what happened
 * @param oldMode git file mode before (0 when added), e.g. 0100644, 0100755, 0120000
 * @param newMode git file mode after (0 when deleted)
 * @param binary true when either side is binary (no line diff is given)
 * @param newSize size in bytes after the change (0 when deleted)
 * @param addedLines the lines the change adds, with their 1-based numbers in the new file
 * @param removedLineCount how many lines the change removes
 */
public record FileChange(String path, Kind kind, int oldMode, int newMode, boolean binary, long newSize,
                         List<AddedLine> addedLines, int removedLineCount) {
    public enum Kind { ADDED, MODIFIED, DELETED }

    public FileChange {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        addedLines = List.copyOf(addedLines);
        if (removedLineCount < 0) {
            throw new IllegalArgumentException("removedLineCount < 0");
        }
    }

    public boolean modeChanged() {
        return kind == Kind.MODIFIED && oldMode != newMode;
    }
}
