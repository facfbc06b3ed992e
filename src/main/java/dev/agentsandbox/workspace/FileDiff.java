package dev.agentsandbox.workspace;

import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.Content;
import dev.agentsandbox.change.FileChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;

/** One file's change as the gates read it: its added lines and the count of removed ones, within the change's line budget. */
final class FileDiff {
    private FileDiff() {
    }

    /**
     * One file's change, or null when it would pass the line budget (then nothing of it is held).
     * The base side is read only when it is small enough to diff; a larger one counts as binary.
     */
    static FileChange diff(long maxFileBytes, String path, FileChange.Kind kind, int oldMode, int newMode, ObjectId oldBlob, byte[] after,
                            ObjectReader reader, ChangeCollector.Budget budget) throws IOException {
        boolean link = oldMode == 0120000 || newMode == 0120000;
        byte[] before = new byte[0];
        boolean binary = Content.isBinary(after);
        if (oldBlob != null) {
            long oldSize = reader.getObjectSize(oldBlob, Constants.OBJ_BLOB);
            if (oldSize > Math.max(maxFileBytes, 1L << 20) && kind != FileChange.Kind.DELETED) {
                binary = true; // too big to show as lines on the reviewer's side either way
            } else if (kind == FileChange.Kind.DELETED) {
                int removed = removedLines(reader, oldBlob, oldSize);
                boolean bin = removed < 0;
                if (!bin && !link && !budget.lines(path, removed)) {
                    return null;
                }
                return new FileChange(path, kind, oldMode, newMode, bin, 0, List.of(), bin || link ? 0 : removed);
            } else {
                before = reader.open(oldBlob).getBytes();
                binary |= Content.isBinary(before);
            }
        }
        if (binary || link) {
            return new FileChange(path, kind, oldMode, newMode, binary, after.length, List.of(), 0);
        }
        RawText a = new RawText(before);
        RawText b = new RawText(after);
        EditList edits = Content.diffAlgorithm().diff(RawTextComparator.DEFAULT, a, b);
        long addedCount = 0;
        int removed = 0;
        for (Edit e : edits) {
            removed += e.getLengthA();
            addedCount += e.getLengthB();
        }
        if (!budget.lines(path, addedCount + removed)) {
            return null; // counted from the edits alone: no line was materialised
        }
        List<AddedLine> added = new ArrayList<>((int) addedCount);
        for (Edit e : edits) {
            for (int i = e.getBeginB(); i < e.getEndB(); i++) {
                added.add(new AddedLine(i + 1, b.getString(i)));
            }
        }
        return new FileChange(path, kind, oldMode, newMode, false, after.length, added, removed);
    }

    /** Lines of a deleted base file, streamed (it may be large); -1 when it is binary. */
    private static int removedLines(ObjectReader reader, ObjectId blob, long size) throws IOException {
        if (size > Content.MAX_TEXT_BYTES) {
            return -1;
        }
        try (java.io.InputStream in = reader.open(blob).openStream()) {
            return Content.textLines(in);
        }
    }
}
