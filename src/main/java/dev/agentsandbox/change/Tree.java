package dev.agentsandbox.change;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** A read-only view of the files of one version of the repository (regular files only). */
public interface Tree {
    /** Repository-relative paths with '/' separators, sorted. */
    List<String> paths() throws IOException;

    /** The paths whose file name (the last segment) passes the filter, sorted. */
    default List<String> paths(java.util.function.Predicate<String> nameFilter) throws IOException {
        return paths().stream().filter(p -> nameFilter.test(p.substring(p.lastIndexOf('/') + 1))).toList();
    }

    /** An id of this exact content (git's tree id), for caches; null when there is none. */
    default String id() throws IOException {
        return null;
    }

    /** The content of a regular file, or empty when there is none at that path. */
    Optional<byte[]> read(String path) throws IOException;
}
