package dev.agentsandbox.workspace;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Temporary folders carry their creator in their name ({@code <name>.<pid>.<start millis>}) so
 * that a later process can tell the leftovers of a killed run from the folders of a live one: a
 * pid alone is reused, a pid with its start time is not.
 */
public final class Folders {
    private Folders() {
    }

    /** {@code <pid>.<start millis>} of this process. */
    public static String stamp() {
        ProcessHandle self = ProcessHandle.current();
        return self.pid() + "." + self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    /** Whether the process named at the end of this folder name has ended; false for names without a stamp. */
    public static boolean ownerIsGone(String name) {
        String[] parts = name.split("\\.");
        if (parts.length < 3) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[parts.length - 2]);
            long start = Long.parseLong(parts[parts.length - 1]);
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            return p.isEmpty() || !p.get().isAlive()
                    || p.get().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L) != start;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Makes {@code dir} (mode 0700) or checks the one there: a real folder, no link anywhere on its
     * path, owned by this process's user, writable by no one else. Another local user who made it
     * first (or made it a link) would otherwise choose where a run writes, or read what it holds.
     */
    public static void requirePrivate(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = abs.getParent();
            if (parent != null && !Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made in between (by a parallel run, or someone else): checked below like any other
            }
        }
        if (Files.isSymbolicLink(abs) || !Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(abs + " is " + (Files.isSymbolicLink(abs) ? "a symbolic link" : "not a folder")
                    + "; refusing to use it (remove it, or point AGENT_SANDBOX_SCRATCH at a folder of your own)");
        }
        if (!abs.toRealPath().equals(abs)) {
            throw new IOException(abs + " is reached through a symbolic link (it is really " + abs.toRealPath()
                    + "); set AGENT_SANDBOX_SCRATCH to the real path");
        }
        int owner = (Integer) Files.getAttribute(abs, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (owner != self) {
            throw new IOException(abs + " belongs to uid " + owner + ", not to this user (uid " + self + "): someone else made it;"
                    + " refusing to use it (remove it, or set AGENT_SANDBOX_SCRATCH to a folder of your own)");
        }
        int mode = (Integer) Files.getAttribute(abs, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0022) != 0) {
            throw new IOException(abs + " is writable by other users (mode " + Integer.toOctalString(mode & 07777)
                    + "), so what is in it cannot be trusted; remove it (it only holds temporary files) and run again");
        }
        if ((mode & 0077) != 0) {
            Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Deletes a tree without following symlinks (the agent may have planted some). */
    /** Deletes what {@code dir} holds, not following links, and keeps the folder. */
    public static void empty(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> !p.equals(dir)).sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public static void delete(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    dir.toFile().setWritable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    // overlayfs leaves its work/work folder root's and mode 000 to a user who is not root: it is
                    // empty once unmounted, so removing it needs no reading it
                    try {
                        Files.delete(file);
                    } catch (IOException e) {
                        exc.addSuppressed(e);
                        throw exc;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("agent-sandbox: could not remove " + root + ": " + e.getMessage() + " (`agent-sandbox cleanup` will retry)");
        }
    }

    /** Copies a tree without following symlinks, writable by the sandbox user (uid 65534). */
    public static void copyForSandbox(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path d = to.resolve(from.relativize(dir).toString());
                Files.createDirectories(d);
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path d = to.resolve(from.relativize(file).toString());
                Files.copy(file, d, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                if (attrs.isRegularFile()) {
                    boolean exec = Files.isExecutable(file);
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(exec ? "rwxrwxrwx" : "rw-rw-rw-"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
