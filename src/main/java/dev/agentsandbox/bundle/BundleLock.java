package dev.agentsandbox.bundle;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Holds a bundle for the whole of one command that changes it (approve, reject, merge): a second
 * such command on the same bundle waits. The lock file lies beside the bundle, never in it
 * (nothing unsigned may be in a bundle).
 */
public final class BundleLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private BundleLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static BundleLock acquire(Path bundle) throws InfrastructureException {
        Path root = bundle.toAbsolutePath().normalize();
        Path file = root.resolveSibling("." + root.getFileName() + ".agent-sandbox.lock");
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            return new BundleLock(ch, ch.lock());
        } catch (IOException e) {
            throw new InfrastructureException("cannot lock the bundle (" + file + "): " + e.getMessage()
                    + " (the folder that holds the bundle must be writable)", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released when the process ends
        }
    }
}
