package dev.agentsandbox.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.dircache.DirCacheEntry;

/**
 * The tracked files of a checkout, as the walk over the base tree, the index and the checkout found
 * them, checked on all cores: each must be a file (or link) of the base's kind and executable bit,
 * its owner's to read and write, and hold the base blob's bytes. Where git's index vouched for the
 * content and the file's inode has not changed since the index was written, the bytes are not read.
 */
final class TrackedFiles {
    private static final String ATTRS = "unix:uid,mode,ctime,lastModifiedTime,size";

    /**
     * One tracked file, with the size, mtime and ctime git's index recorded for it where the index
     * may vouch for its content ({@code mtime} null where it cannot: converted, racily clean, assumed).
     */
    private record File(String path, FileMode base, ObjectId blob, long length, Instant mtime, long ctimeMillis) {
    }

    private final List<File> files = new ArrayList<>();
    private final AtomicInteger hashed = new AtomicInteger();

    /** @param vouching the file's index entry where the index may vouch for its content, else null */
    void add(String path, FileMode base, ObjectId blob, DirCacheEntry vouching) {
        files.add(vouching == null ? new File(path, base, blob.copy(), -1, null, 0)
                : new File(path, base, blob.copy(), vouching.getLength(), vouching.getLastModifiedInstant(), vouching.getCreationTime()));
    }

    int size() {
        return files.size();
    }

    int hashed() {
        return hashed.get();
    }

    /**
     * Null when every file is the base's; else the first difference in path order. Adds each file's
     * stat data to {@code watch}.
     */
    String check(Path top, int owner, Repository repo, Watch watch) throws IOException {
        List<Map<String, Object>> stats = new ArrayList<>(files.size());
        String[] why = new String[files.size()];
        try {
            List<Map<String, Object>> seen = IntStream.range(0, files.size()).parallel()
                    .mapToObj(i -> {
                        try {
                            Map<String, Object> a;
                            try {
                                a = Files.readAttributes(top.resolve(files.get(i).path()), ATTRS, LinkOption.NOFOLLOW_LINKS);
                            } catch (java.nio.file.NoSuchFileException e) {
                                why[i] = files.get(i).path() + " is missing from the checkout";
                                return null;
                            }
                            why[i] = check(top, files.get(i), a, owner, repo);
                            return a;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).toList();
            stats.addAll(seen);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            readers.values().forEach(ObjectReader::close);
            readers.clear();
        }
        for (int i = 0; i < files.size(); i++) {
            if (why[i] != null) {
                return why[i];
            }
            watch.add(files.get(i).path(), stats.get(i));
        }
        return null;
    }

    /** Each thread reads object sizes with its own reader: one is not safe for two threads. */
    private final Map<Thread, ObjectReader> readers = new java.util.concurrent.ConcurrentHashMap<>();

    private long blobSize(Repository repo, ObjectId blob) throws IOException {
        return readers.computeIfAbsent(Thread.currentThread(), t -> repo.newObjectReader()).getObjectSize(blob, Constants.OBJ_BLOB);
    }

    private String check(Path top, File f, Map<String, Object> a, int owner, Repository repo) throws IOException {
        int mode = (Integer) a.get("mode");
        boolean link = (mode & FileStat.S_IFMT) == FileStat.S_IFLNK;
        if (link != (f.base() == FileMode.SYMLINK) || !link && (mode & FileStat.S_IFMT) != FileStat.S_IFREG) {
            return f.path() + " is of another kind in the checkout";
        }
        if (!link && ((mode & 0100) != 0) != (f.base() == FileMode.EXECUTABLE_FILE)) {
            return f.path() + " has another executable bit in the checkout";
        }
        if ((Integer) a.get("uid") != owner || !link && (mode & 0600) != 0600) {
            return f.path() + " is not the checkout owner's to read and write";
        }
        // git's own rule: the size, mtime and ctime it recorded (an mtime put back by touch -r or cp -p leaves a new
        // ctime); and the blob's own size, which a conversion JGit cannot see (autocrlf from the command line) changes.
        if (f.mtime() != null && f.length() == (Long) a.get("size") && f.mtime().equals(((FileTime) a.get("lastModifiedTime")).toInstant())
                && f.ctimeMillis() == ((FileTime) a.get("ctime")).toMillis() && f.length() == blobSize(repo, f.blob())) {
            return null;
        }
        hashed.incrementAndGet();
        Path file = top.resolve(f.path());
        ObjectId raw;
        try (ObjectInserter.Formatter fmt = new ObjectInserter.Formatter()) {
            if (link) {
                String target = Files.readSymbolicLink(file).toString();
                if (target.indexOf('\uFFFD') >= 0) {
                    return f.path() + " links to a name that is not valid UTF-8";
                }
                raw = fmt.idFor(Constants.OBJ_BLOB, target.getBytes(StandardCharsets.UTF_8));
            } else {
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    raw = fmt.idFor(Constants.OBJ_BLOB, (Long) a.get("size"), in);
                }
            }
        }
        return raw.equals(f.blob()) ? null : f.path() + " differs from the base commit";
    }
}
