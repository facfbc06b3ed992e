package dev.agentsandbox.sandbox.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Folders into and out of a pod as tar streams, as {@code kubectl cp} does, but reading what comes
 * back as hostile: entries land only inside the target folder (no absolute path, no "..", never
 * through a link, never over an existing entry), links are recreated as links and never followed,
 * hard links become copies of a file already extracted, and a special file, a setuid bit, a name
 * that is not UTF-8, or more bytes or entries than the quota allow refuse the whole transfer.
 * What is extracted is then judged by the same collector as a local sandbox's folder.
 */
public final class TarTransfer {
    private TarTransfer() {
    }

    /** What headers of one entry may take of the stream (long names, PAX records). */
    static final int HEADER_BUDGET = 1 << 20;
    /** What each entry costs of the quota besides its data: an inode and a block, as on the host's disk. */
    static final long ENTRY_COST = 4096;

    /** The stream, cut off past what the current phase of the extraction may read. */
    private static final class Budget extends java.io.FilterInputStream {
        private long left;

        Budget(InputStream in) {
            super(in);
        }

        void allow(long n) {
            left = n;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                throw new Refused("a tar header or entry larger than it says (more than " + HEADER_BUDGET + " bytes of headers)");
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new Refused("a tar header or entry larger than it says (more than " + HEADER_BUDGET + " bytes of headers)");
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(Math.min(n, left));
            left -= k;
            return k;
        }
    }

    /** Something the sandbox left that is never taken. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /**
     * Writes the folder's tree (folders, regular files, symbolic links) as a tar stream. Unix
     * sockets are left out: they cannot cross as files (the backend relays those it serves).
     */
    /** How many bytes {@link #write(Path, OutputStream)} writes for this folder now (the tree is read once to count). */
    public static long length(Path dir) throws IOException {
        long[] n = {0};
        write(dir, new OutputStream() {
            @Override
            public void write(int b) {
                n[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n[0] += len;
            }
        });
        return n[0];
    }

    /** Writes the tree, failing when it is not exactly {@code length} bytes (the folder changed since it was counted). */
    public static void write(Path dir, OutputStream out, long length) throws IOException {
        long[] n = {0};
        write(dir, new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                n[0] += len;
                out.write(b, off, len);
            }

            @Override
            public void write(int b) throws IOException {
                n[0]++;
                out.write(b);
            }
        });
        if (n[0] != length) {
            throw new IOException(dir + " changed while it was sent into the pod (" + n[0] + " bytes, " + length + " counted)");
        }
    }

    public static void write(Path dir, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(dir)) {
                    TarArchiveEntry e = new TarArchiveEntry(dir.relativize(d) + "/");
                    e.setMode(040755);
                    tar.putArchiveEntry(e);
                    tar.closeArchiveEntry();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                String name = dir.relativize(f).toString();
                if (attrs.isSymbolicLink()) {
                    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(Files.readSymbolicLink(f).toString());
                    tar.putArchiveEntry(e);
                    tar.closeArchiveEntry();
                } else if (attrs.isRegularFile()) {
                    TarArchiveEntry e = new TarArchiveEntry(name);
                    e.setSize(attrs.size());
                    e.setMode(Files.isExecutable(f) ? 0100755 : 0100644);
                    tar.putArchiveEntry(e);
                    try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
                        in.transferTo(tar);
                    }
                    tar.closeArchiveEntry();
                } else if (!isSocket(f)) {
                    throw new IOException("cannot send " + f + " into a pod: not a folder, a regular file or a link");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        tar.finish();
        tar.flush();
    }

    /** A Unix socket (not a fifo or a device), by the file's type bits. */
    static boolean isSocket(Path f) throws IOException {
        return ((Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0140000;
    }

    /**
     * Extracts a tar stream into {@code dir} (existing and empty).
     *
     * @throws Refused naming the entry and why, when the stream holds what is never taken
     */
    public static void extract(InputStream in, Path dir, long maxBytes, int maxEntries) throws IOException {
        try {
            extractChecked(in, dir, maxBytes, maxEntries);
        } catch (java.nio.file.InvalidPathException e) {
            throw new Refused("a name the host cannot hold: " + e.getMessage());
        }
    }

    private static void extractChecked(InputStream in, Path dir, long maxBytes, int maxEntries) throws IOException {
        Path root = dir.toRealPath();
        long bytes = 0;
        int entries = 0;
        java.util.Set<Path> written = new java.util.HashSet<>(); // regular files of this stream: the only hard-link sources
        // Headers (with GNU long names and PAX records, which the parser holds in memory) get a small
        // budget of the stream's bytes; an entry's data gets its size.
        Budget budget = new Budget(in);
        // ISO-8859-1 keeps a GNU or ustar header's raw bytes (the parser would turn bytes that are not
        // UTF-8 into '?', a silent rename), which are then decoded strictly as UTF-8 below.
        TarArchiveInputStream tar = new TarArchiveInputStream(budget, StandardCharsets.ISO_8859_1.name());
        TarArchiveEntry e;
        while (true) {
            budget.allow(HEADER_BUDGET);
            e = tar.getNextTarEntry();
            if (e == null) {
                break;
            }
            budget.allow(Math.max(0, e.getSize()) + 512);
            bytes += ENTRY_COST;
            if (bytes > maxBytes) {
                throw new Refused("the sandbox's folder holds more than " + maxBytes + " bytes (the disk quota; each entry counts a block)");
            }
            if (++entries > maxEntries) {
                throw new Refused("the sandbox left more than " + maxEntries + " files");
            }
            String name = utf8(e);
            Path target = inside(root, name);
            if (target == null) {
                continue; // the root itself
            }
            if ((e.getMode() & 06000) != 0 && !e.isDirectory()) {
                throw new Refused("a setuid or setgid file: " + name);
            }
            if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO() || e.isSparse()) {
                throw new Refused("a device node, FIFO or other special file: " + name);
            }
            requireRealParent(root, target, name);
            if (e.isDirectory()) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(target);
                }
            } else if (e.isSymbolicLink()) {
                String link = utf8(e.getLinkName());
                if (link.isEmpty() || link.indexOf('\0') >= 0) {
                    throw new Refused("a symbolic link whose target is empty: " + name);
                }
                Files.createSymbolicLink(target, Path.of(link));
            } else if (e.isLink()) {
                Path source = inside(root, stripDot(utf8(e.getLinkName())));
                if (source == null || !written.contains(source)) {
                    throw new Refused("a hard link to something that is not a file extracted before it: " + name + " -> " + e.getLinkName());
                }
                long size = Files.size(source);
                bytes += size;
                if (bytes > maxBytes) {
                    throw new Refused("the sandbox's folder holds more than " + maxBytes + " bytes (the disk quota)");
                }
                Files.copy(source, target, LinkOption.NOFOLLOW_LINKS);
                written.add(target);
            } else if (e.isFile()) {
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = tar.read(buf)) > 0) {
                        bytes += n;
                        if (bytes > maxBytes) {
                            throw new Refused("the sandbox's folder holds more than " + maxBytes + " bytes (the disk quota)");
                        }
                        out.write(buf, 0, n);
                    }
                }
                Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
                if ((e.getMode() & 0100) != 0) {
                    perms.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE));
                }
                Files.setPosixFilePermissions(target, perms);
                written.add(target);
            } else {
                throw new Refused("a device node, FIFO or other special file: " + name);
            }
        }
    }

    /**
     * The entry's name as UTF-8. A raw header name arrives as ISO-8859-1 (one char a byte) and is
     * decoded strictly; a name with a char past U+00FF can only come from a PAX record, which the
     * parser already decoded as UTF-8. (A PAX name whose every char is below U+0100 is read as raw
     * bytes too: refused unless those bytes are UTF-8; never written as something else.)
     */
    static String utf8(String raw) throws Refused {
        if (raw.chars().anyMatch(c -> c > 0xFF)) {
            return raw;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (java.nio.charset.CharacterCodingException x) {
            throw new Refused("a name that is not valid UTF-8: " + raw.replaceAll("[^\\x20-\\x7e]", "?"));
        }
    }

    private static String utf8(TarArchiveEntry e) throws Refused {
        return stripDot(utf8(e.getName()));
    }

    private static String stripDot(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        return n.equals(".") ? "" : n;
    }

    /** The path of a relative entry name under root, or null for the root; refuses names that leave it. */
    private static Path inside(Path root, String name) throws Refused {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty()) {
            return null;
        }
        if (n.startsWith("/") || n.contains("\0") || n.contains("\\")) {
            throw new Refused("an entry that names a path outside the folder: " + n);
        }
        for (String part : n.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new Refused("an entry that names a path outside the folder: " + n);
            }
        }
        return root.resolve(n);
    }

    /** Every folder between root and the target is a real folder (made when the stream did not name it): never a link. */
    private static void requireRealParent(Path root, Path target, String name) throws IOException {
        Path p = root;
        for (Path part : root.relativize(target.getParent() == null ? root : target.getParent())) {
            if (part.toString().isEmpty()) {
                break;
            }
            p = p.resolve(part);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
            } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new Refused("an entry below something that is not a folder (a link?): " + name);
            }
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new Refused("an entry named twice: " + name);
        }
    }
}
