package dev.agentsandbox.run;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The private temporary folder of one run: the workspace the agent edits, the head tree the
 * checks run on, and the folder mounted at /run/agent-sandbox (task, proxy socket). Removed on
 * close; its name carries the creator's pid and start time so that {@code cleanup} can remove
 * what a killed process left.
 */
public final class Scratch implements AutoCloseable {
    private final Path root;

    private Scratch(Path root) {
        this.root = root;
    }

    public static Path base() {
        String env = System.getenv("AGENT_SANDBOX_SCRATCH");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("java.io.tmpdir"), "agent-sandbox");
    }

    public static Scratch create(String runId) throws InfrastructureException {
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
        try {
            Path base = Files.createDirectories(base());
            Path root = Files.createDirectory(base.resolve(runId + "." + self.pid() + "." + start));
            // The sandbox user (65534) must write the workspace; the folder is private to the run.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            return new Scratch(root);
        } catch (IOException e) {
            throw new InfrastructureException("cannot create the run's temporary folder under " + base() + ": " + e.getMessage()
                    + " (set AGENT_SANDBOX_SCRATCH to a writable folder with free space)", e);
        }
    }

    public Path root() {
        return root;
    }

    /** A fresh sub-folder that uid 65534 may write (mode 0777 on this private path). */
    public Path folder(String name) throws InfrastructureException {
        try {
            Path p = Files.createDirectory(root.resolve(name));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
            return p;
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + root.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        delete(root);
    }

    /** Removes scratch folders whose creating process is gone (or all of them); returns the count. */
    public static int cleanup(boolean all) {
        Path base = base();
        if (!Files.isDirectory(base)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(base)) {
            for (Path p : ds) {
                if (all || creatorIsGone(p.getFileName().toString())) {
                    delete(p);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    static boolean creatorIsGone(String name) {
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

    /** Deletes a tree without following symlinks (the agent may have planted some). */
    static void delete(Path root) {
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
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("agent-sandbox: could not remove " + root + ": " + e.getMessage() + " (`agent-sandbox cleanup` will retry)");
        }
    }
}
