package dev.agentsandbox.run.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A copy of a denied program is that program: {@code cp /usr/bin/git ./g; ./g push} is judged as
 * git. The boundary probe prints the SHA-256 of each program a deny rule names before the agent
 * starts; a program the run wrote (a file on the workspace's host side) is hashed when it runs and,
 * carrying a denied program's content, judged as that program. The runsc this project is tested on
 * (20240729) offers no digest in its trace, so the host reads the file the sandbox wrote.
 */
final class ProgramCopies {
    /** The largest program hashed; nothing a deny rule names comes near it. */
    private static final long MAX_BYTES = 512L << 20;
    private static final ExecutorService HASHING = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "agent-sandbox-program-digest");
        t.setDaemon(true);
        return t;
    });

    private final Map<String, String> deniedByDigest = new ConcurrentHashMap<>();
    private final java.util.Set<Long> sizes = ConcurrentHashMap.newKeySet();
    /** What each program was found to be when it ran: judged again at the end, the file may be gone. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CountDownLatch probed = new CountDownLatch(1);
    private final Function<String, Path> hostFile;

    /** @param hostFile the host path of a file the sandbox sees, where the run wrote it (null: not the run's) */
    ProgramCopies(Function<String, Path> hostFile) {
        this.hostFile = hostFile;
    }

    /** Takes the probe's report, line by line as the sandbox prints it. */
    void probeLine(String line) {
        String digest = BoundaryProbe.digestLine(line);
        if (digest != null) {
            String[] f = digest.split(" ", 3);
            sizes.add(Long.parseLong(f[0]));
            deniedByDigest.put(f[1], f[2]);
        } else if (BoundaryProbe.isEnd(line)) {
            probed.countDown();
        }
    }

    /**
     * The denied program this one is a copy of (its path in the image), "" when the run's file could
     * not be read as it was when it ran (it changed or went away), or null when it is no copy.
     */
    String original(dev.agentsandbox.sandbox.trace.ProcessRecord r) {
        String key = r.pid() + "@" + r.startNanos();
        String known = seen.get(key);
        if (known != null) {
            return known.equals("-") ? null : known;
        }
        String b = r.binary();
        if (b != null && !b.startsWith("/") && r.cwd() != null) {
            b = r.cwd() + "/" + b; // execve("./g"): the kernel resolved it against the working folder
        }
        String found = original(b);
        seen.put(key, found == null ? "-" : found);
        return found;
    }

    private String original(String binary) {
        Path file = binary == null ? null : hostFile.apply(binary);
        if (file == null) {
            return null;
        }
        try {
            // the agent's first program may run before the host has read the probe's last line
            probed.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (deniedByDigest.isEmpty()) {
            return null;
        }
        // on a thread of its own: a file swapped for a FIFO after the exec must not hang the judge
        Future<String> digest = HASHING.submit(() -> sha256(file));
        try {
            String d = digest.get(10, TimeUnit.SECONDS);
            return d == null ? null : deniedByDigest.get(d);
        } catch (java.util.concurrent.ExecutionException e) {
            return "";
        } catch (java.util.concurrent.TimeoutException e) {
            digest.cancel(true);
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private String sha256(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            throw new IOException(file + " is no longer a regular file");
        }
        if (a.size() > MAX_BYTES || !sizes.contains(a.size())) {
            return null;
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                if ((total += n) > MAX_BYTES) {
                    return null;
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
