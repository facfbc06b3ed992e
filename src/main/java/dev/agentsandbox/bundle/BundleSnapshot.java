package dev.agentsandbox.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.DirectoryStream;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A run bundle read once, whole, into memory: what {@code verify}, {@code approve} and {@code merge}
 * check is exactly what they act on, whatever happens to the files afterwards. Reading refuses any
 * entry that is not a regular file or a folder (a link could make a check read one file and an
 * action another, or write outside the bundle), and nothing is followed.
 */
public final class BundleSnapshot {
    /** The folders of a bundle (anything below reports/ is a check's own report layout). */
    private static final Set<String> EXPECTED_FOLDERS = Set.of(Layout.ATTESTATIONS, Layout.LOGS, Layout.REPORTS, Layout.CHECKPOINTS);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_FILE = 256L << 20;
    private static final long MAX_TOTAL = 1L << 30;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final SortedMap<String, byte[]> files;

    private BundleSnapshot(Path root, SortedMap<String, byte[]> files) {
        this.root = root;
        this.files = Collections.unmodifiableSortedMap(files);
    }

    public static BundleSnapshot read(Path dir) throws UsageException, RefusedException {
        Path root = dir.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(root)) {
            throw new RefusedException(dir + " is a symbolic link: a bundle is read only where it is (give its real path)");
        }
        if (!Files.isRegularFile(root.resolve(Layout.RUN_JSON), LinkOption.NOFOLLOW_LINKS)) {
            throw new UsageException(dir + " is not a run bundle (no " + Layout.RUN_JSON + ")");
        }
        SortedMap<String, byte[]> files = new TreeMap<>();
        long[] total = {0};
        String[] refused = {null};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    String rel = d.equals(root) ? "" : relative(root, d);
                    // Only the folders a run writes: a folder named like a file (approval-2.json) would hide from the
                    // check and block the next decision's write.
                    if (!rel.isEmpty() && !EXPECTED_FOLDERS.contains(rel) && !rel.startsWith("reports/")) {
                        refused[0] = rel + "/ is a folder a run never writes; nothing else may be in a bundle";
                        return FileVisitResult.TERMINATE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String rel = relative(root, file);
                    if (attrs.isSymbolicLink() || !attrs.isRegularFile()) {
                        refused[0] = rel + " is " + (attrs.isSymbolicLink() ? "a symbolic link" : "not a regular file")
                                + "; nothing in a bundle may be";
                        return FileVisitResult.TERMINATE;
                    }
                    byte[] bytes = readNoFollow(file);
                    total[0] += bytes.length;
                    if (total[0] > MAX_TOTAL) {
                        throw new IOException("the bundle holds more than " + MAX_TOTAL + " bytes");
                    }
                    files.put(rel, bytes);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new RefusedException("the bundle " + dir + " cannot be read: " + e.getMessage());
        }
        if (refused[0] != null) {
            throw new RefusedException("the bundle " + dir + " is refused: " + refused[0]);
        }
        return new BundleSnapshot(root, new TreeMap<>(files));
    }

    private static byte[] readNoFollow(Path file) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            long size = ch.size();
            if (size > MAX_FILE) {
                throw new IOException(file.getFileName() + " is larger than " + MAX_FILE + " bytes");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // read it all
            }
            if (buf.hasRemaining() || ch.read(ByteBuffer.allocate(1)) > 0) {
                throw new IOException(file.getFileName() + " changed while it was read");
            }
            return buf.array();
        }
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    public Path root() {
        return root;
    }

    /** Every file, by its path relative to the bundle ('/'-separated). */
    public SortedMap<String, byte[]> files() {
        return files;
    }

    public boolean has(String rel) {
        return files.containsKey(rel);
    }

    /** The bytes of a file, or null. */
    public byte[] get(String rel) {
        return files.get(rel);
    }

    public JsonNode json(String rel) throws RefusedException {
        byte[] b = files.get(rel);
        if (b == null) {
            throw new RefusedException("the bundle has no " + rel);
        }
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new RefusedException(rel + " is not valid JSON: " + e.getMessage());
        }
    }

    /** run.json, typed. */
    public RunRecord run() throws RefusedException {
        byte[] b = files.get(Layout.RUN_JSON);
        if (b == null) {
            throw new RefusedException("the bundle has no " + Layout.RUN_JSON);
        }
        try {
            return JSON.readValue(b, RunRecord.class);
        } catch (IOException e) {
            throw new RefusedException(Layout.RUN_JSON + " is not a run record: " + e.getMessage());
        }
    }

    /** This snapshot with files added or replaced, in memory only (what a stage is about to write). */
    public BundleSnapshot with(Map<String, byte[]> more) {
        SortedMap<String, byte[]> f = new TreeMap<>(files);
        f.putAll(more);
        return new BundleSnapshot(root, f);
    }

    /** SHA-256 of a file of the snapshot, or null. */
    public String sha256(String rel) {
        byte[] b = files.get(rel);
        return b == null ? null : sha256(b);
    }

    /** SHA-256 of every file an attestation covers, sorted by path. */
    public SortedMap<String, String> attestedDigests() {
        SortedMap<String, String> out = new TreeMap<>();
        files.forEach((rel, b) -> {
            if (Layout.attested(rel)) {
                out.put(rel, sha256(b));
            }
        });
        return out;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes one file of a bundle: a new temporary file (never opened through an existing name or
     * link) renamed over the target, in a folder that must be a real folder inside the bundle.
     */
    public static void write(Path bundle, String rel, byte[] bytes) throws IOException {
        Path root = bundle.toAbsolutePath().normalize();
        Path target = root.resolve(rel).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new IOException(rel + " is not inside the bundle");
        }
        BasicFileAttributes rootAttrs = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!rootAttrs.isDirectory()) {
            throw new IOException("the bundle " + root + " is not a folder (a link?); refusing to write into it");
        }
        // Every step below goes through open folders (openat, O_NOFOLLOW, renameat): a folder swapped for a link
        // between a check and a write cannot redirect the write outside the bundle.
        DirectoryStream<Path> opened = Files.newDirectoryStream(root);
        if (!(opened instanceof SecureDirectoryStream<Path> dir)) {
            opened.close();
            throw new IOException("this platform cannot write relative to an open folder; refusing to write into the bundle");
        }
        List<SecureDirectoryStream<Path>> chain = new ArrayList<>(List.of(dir));
        try {
            Object key = dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            if (key == null || !key.equals(rootAttrs.fileKey())) {
                throw new IOException("the bundle " + root + " changed while it was opened; refusing to write into it");
            }
            Path parent = root.relativize(target).getParent();
            if (parent != null) {
                Path at = root;
                for (Path part : parent) {
                    at = at.resolve(part);
                    if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                        try {
                            Files.createDirectory(at);
                        } catch (java.nio.file.FileAlreadyExistsException e) {
                            // made meanwhile: opened below like any other, never followed
                        }
                    }
                    try {
                        dir = dir.newDirectoryStream(part, LinkOption.NOFOLLOW_LINKS);
                    } catch (IOException e) {
                        throw new IOException(root.relativize(at) + " in the bundle is not a real folder (a link?); refusing to write through it", e);
                    }
                    chain.add(dir);
                }
            }
            Path name = target.getFileName();
            Path tmp = Path.of("." + name + "." + HexFormat.of().formatHex(RANDOM.generateSeed(6)) + ".tmp");
            try (SeekableByteChannel ch = dir.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS))) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (ch instanceof java.nio.channels.FileChannel fc) {
                    fc.force(true);
                }
            }
            try {
                dir.move(tmp, dir, name);
            } catch (IOException e) {
                dir.deleteFile(tmp);
                throw e;
            }
        } finally {
            for (int i = chain.size() - 1; i >= 0; i--) {
                chain.get(i).close();
            }
        }
    }
}
