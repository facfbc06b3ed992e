package dev.agentsandbox.change;

import java.util.List;

/** Everything the agent changed, sorted by path. */
public record ChangeSet(List<FileChange> files) {
    public ChangeSet {
        files = List.copyOf(files);
    }

    public boolean isEmpty() {
        return files.isEmpty();
    }

    public int addedLineCount() {
        return files.stream().mapToInt(f -> f.addedLines().size()).sum();
    }

    public int removedLineCount() {
        return files.stream().mapToInt(FileChange::removedLineCount).sum();
    }
}
