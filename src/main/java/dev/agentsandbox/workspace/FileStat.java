package dev.agentsandbox.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The stat data of one path, never following a symlink. */
record FileStat(int unixMode, long size, long mtimeNanos, long ctimeNanos, long inode) {
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFLNK = 0120000;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;

    static FileStat of(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime,ctime,ino", LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Integer) a.get("mode"), (Long) a.get("size"), nanos((FileTime) a.get("lastModifiedTime")),
                nanos((FileTime) a.get("ctime")), (Long) a.get("ino"));
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    int type() {
        return unixMode & S_IFMT;
    }

    boolean isRegular() {
        return type() == S_IFREG;
    }

    boolean isSymlink() {
        return type() == S_IFLNK;
    }

    boolean isDirectory() {
        return type() == S_IFDIR;
    }

    boolean setuidOrSetgid() {
        return (unixMode & (S_ISUID | S_ISGID)) != 0;
    }

    /** The git mode this file would be committed with. */
    int gitMode() {
        if (isSymlink()) {
            return 0120000;
        }
        return (unixMode & 0100) != 0 ? 0100755 : 0100644;
    }

    boolean sameAs(BaseSnapshot.Entry e) {
        return size == e.size() && mtimeNanos == e.mtimeNanos() && ctimeNanos == e.ctimeNanos() && inode == e.inode()
                && gitMode() == e.mode();
    }
}
