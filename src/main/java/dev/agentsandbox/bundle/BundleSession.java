package dev.agentsandbox.bundle;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;

/**
 * The one door to a bundle for every decision on it: the bundle is locked, read once into memory
 * and verified with the pinned key before anything of it is used, and stays locked until the
 * command is done. Nothing of a bundle (not even run.json's repository folder) is read before that:
 * a field read first could be swapped between the read and the check.
 */
public final class BundleSession implements AutoCloseable {
    private final Path dir;
    private final BundleLock lock;
    private final BundleSnapshot snapshot;
    private final BundleVerifier.Verification verification;

    private BundleSession(Path dir, BundleLock lock, BundleSnapshot snapshot, BundleVerifier.Verification verification) {
        this.dir = dir;
        this.lock = lock;
        this.snapshot = snapshot;
        this.verification = verification;
    }

    /**
     * Locks, reads and verifies the bundle; a bundle that does not verify with {@code pinned} is refused.
     *
     * @param what what the caller is about to do, for the refusal ("nothing was merged")
     */
    public static BundleSession open(Path dir, PublicKey pinned, String what) throws AgentSandboxException {
        BundleLock lock = BundleLock.acquire(dir);
        try {
            BundleSnapshot b = BundleSnapshot.read(dir);
            BundleVerifier.Verification v = BundleVerifier.verify(b, pinned);
            if (!v.ok()) {
                throw new RefusedException("the bundle does not verify; " + what + ":\n  - " + String.join("\n  - ", v.problems()));
            }
            return new BundleSession(dir, lock, b, v);
        } catch (AgentSandboxException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public BundleSnapshot snapshot() {
        return snapshot;
    }

    public BundleVerifier.Verification verification() {
        return verification;
    }

    public RunRecord run() throws AgentSandboxException {
        return snapshot.run();
    }

    /**
     * The run's repository folder: the one given, else the one the verified run.json names, else the
     * current folder when it is a git checkout (a CI job's fresh checkout); null when none is here.
     */
    public Path repositoryFolder(Path given) throws AgentSandboxException {
        if (given != null) {
            if (!Files.isDirectory(given)) {
                throw new UsageException("--repo " + given + " is not a folder");
            }
            return given;
        }
        String recorded = run().repo();
        if (recorded != null && Files.isDirectory(Path.of(recorded))) {
            return Path.of(recorded);
        }
        return Files.exists(Path.of(".git")) ? Path.of(".") : null;
    }

    @Override
    public void close() {
        lock.close();
    }
}
