package dev.agentsandbox.quota;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.host.Privilege;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One ext4 file system per sandbox, in a sparse file beside its mount point and loop-mounted
 * (nosuid, nodev): it takes on the host only what the sandbox wrote, and never more than its size.
 * Needs e2fsprogs, and root for mount and umount: the CLI's own when it runs as root, else
 * passwordless {@code sudo -n} for those two commands only (as on hosted CI runners); the file
 * system is made by this user and owned by it. No journal: it lives as long as one sandbox.
 */
public final class LoopDisks implements DiskQuota {
    /** One inode per this many bytes: a flood of empty files runs out as surely as a big one. */
    private static final int BYTES_PER_INODE = 8192;

    private final boolean viaSudo; // mount and umount through sudo -n

    LoopDisks() {
        this.viaSudo = !isRoot();
    }

    @Override
    public String mechanism() {
        return "a loop-mounted ext4 file system of the quota's size per sandbox" + (viaSudo ? " (mounted through sudo -n)" : "");
    }

    /** Why this host cannot make loop disks, or null when it can. */
    static String unavailable() {
        if (Commands.find("mkfs.ext4") == null) {
            return "mkfs.ext4 is not installed (Debian and Ubuntu: apt-get install e2fsprogs)";
        }
        Path mount = Commands.find("mount");
        Path umount = Commands.find("umount");
        if (mount == null || umount == null) {
            return "mount/umount are not installed (apt-get install mount)";
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return "the kernel offers no loop devices (/dev/loop-control is missing; modprobe loop)";
        }
        String why = Privilege.whyNot(mount);
        if (why == null) {
            why = Privilege.whyNot(umount);
        }
        return why == null ? null : why + ", and mounting a file system needs root";
    }

    static boolean isRoot() {
        return Privilege.isRoot();
    }

    @Override
    public Disk create(Path mountPoint, long quota, long baseBytes) throws InfrastructureException {
        long bytes = quota + baseBytes;
        Path image = mountPoint.resolveSibling(mountPoint.getFileName() + ".ext4");
        try {
            Files.createFile(image, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(bytes); // sparse: nothing is taken on the host until written
            }
            String owner = uid() + ":" + gid();
            Commands.run(List.of(Commands.find("mkfs.ext4").toString(), "-q", "-F", "-m", "0", "-i", String.valueOf(BYTES_PER_INODE),
                    "-O", "^has_journal", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard,root_owner=" + owner, image.toString()));
            Files.createDirectory(mountPoint, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Commands.run(privileged(Commands.find("mount").toString(), "-t", "ext4", "-o", "loop,nosuid,nodev",
                    image.toString(), mountPoint.toString()));
            Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwx--x--x"));
            return new Disk(mountPoint, quota, image);
        } catch (IOException e) {
            unmount(mountPoint);
            try {
                Files.deleteIfExists(image);
            } catch (IOException ignored) {
                // reported below; cleanup removes it
            }
            throw new InfrastructureException("cannot make the " + DiskQuota.human(quota) + " disk for " + mountPoint.getFileName()
                    + ": " + e.getMessage() + " (`agent-sandbox doctor` checks the host; sandbox.disk: unlimited runs without a quota)", e);
        }
    }

    private static List<String> privileged(String tool, String... args) throws IOException {
        List<String> c = Privilege.asRoot(Path.of(tool));
        if (c == null) {
            throw new IOException(Privilege.whyNot(Path.of(tool)));
        }
        c = new ArrayList<>(c);
        c.addAll(List.of(args));
        return c;
    }

    private static long uid() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    }

    private static long gid() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
    }

    /** Unmounts what is mounted at {@code mountPoint} (lazily when busy) and removes the folder. */
    static void unmount(Path mountPoint) {
        if (isMounted(mountPoint)) {
            Path umount = Commands.find("umount");
            try {
                Commands.run(privileged(umount.toString(), mountPoint.toString()));
            } catch (IOException e) {
                try {
                    // Still busy (a sandbox's volume not yet gone): detach now; the kernel frees it when released.
                    Commands.run(privileged(umount.toString(), "-l", mountPoint.toString()));
                } catch (IOException e2) {
                    System.err.println("agent-sandbox: could not unmount " + mountPoint + ": " + e2.getMessage());
                    return;
                }
            }
        }
        try {
            Files.deleteIfExists(mountPoint);
        } catch (IOException e) {
            // not empty: the caller's folder removal deals with it
        }
    }

    /** Unmounts every file system mounted at or below {@code root}, deepest first (leftovers of a killed run). */
    public static int unmountUnder(Path root) {
        List<Path> found = new ArrayList<>();
        for (Path p : mountPoints()) {
            if (p.startsWith(root)) {
                found.add(p);
            }
        }
        found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        found.forEach(LoopDisks::unmount);
        return found.size();
    }

    private static boolean isMounted(Path p) {
        return mountPoints().contains(p);
    }

    private static List<Path> mountPoints() {
        List<Path> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    points.add(Path.of(unescape(f[4])));
                }
            }
        } catch (IOException e) {
            // no mount table: nothing can be found mounted
        }
        return points;
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
