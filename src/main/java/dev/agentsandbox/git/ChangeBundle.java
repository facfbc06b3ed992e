package dev.agentsandbox.git;

import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.BundleWriter;
import org.eclipse.jgit.transport.RefSpec;

/**
 * The agent's commit as a git bundle inside the run bundle ({@code change.bundle}, signed with
 * the rest): nothing of the agent's goes to the remote before approval, so a merge job on a fresh
 * checkout takes the approved commit from here, and git's own object ids prove it is that commit.
 */
public final class ChangeBundle {
    private ChangeBundle() {
    }

    /** Writes the commits from {@code base} (assumed present wherever it is read) to {@code head}. */
    public static void write(Repository repo, ObjectId base, ObjectId head, String branch, Path out) throws InfrastructureException {
        try (RevWalk rw = new RevWalk(repo); OutputStream os = Files.newOutputStream(out)) {
            BundleWriter w = new BundleWriter(repo);
            w.include(Constants.R_HEADS + branch, head);
            w.assume(rw.parseCommit(base));
            w.writeBundle(NullProgressMonitor.INSTANCE, os);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** Brings the approved commit from a verified bundle's bytes into the repository, or refuses. */
    public static void importCommit(Repository repo, BundleSnapshot verified, String branch, ObjectId approved)
            throws InfrastructureException, RefusedException {
        byte[] bytes = verified.get(Layout.CHANGE_BUNDLE);
        if (bytes == null) {
            throw new RefusedException("the approved commit " + approved.name() + " is neither in this repository nor in the bundle"
                    + " (no " + Layout.CHANGE_BUNDLE + "): merge from the repository the run was made in");
        }
        Path tmp = null;
        try {
            // Fetched from a private copy of the verified bytes, never from the bundle folder again.
            tmp = Files.createTempFile("agent-sandbox-change", ".bundle");
            Files.write(tmp, bytes);
            String incoming = "refs/agent-sandbox/incoming/" + approved.name();
            new Git(repo).fetch().setRemote(tmp.toUri().toString())
                    .setRefSpecs(new RefSpec("+" + Constants.R_HEADS + branch + ":" + incoming)).call();
            ObjectId got = repo.resolve(incoming);
            if (!approved.equals(got)) {
                throw new RefusedException(Layout.CHANGE_BUNDLE + " holds " + (got == null ? "nothing" : got.name())
                        + " for " + branch + ", not the approved commit " + approved.name());
            }
        } catch (IOException | GitAPIException e) {
            throw new InfrastructureException("cannot read the approved commit from " + Layout.CHANGE_BUNDLE + ": " + e.getMessage()
                    + " (does this repository have the run's base commit? fetch it first)", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}
