package dev.agentsandbox.git;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * Pushes refs with the credentials the wrapper chose (the CI job's token, an SSH identity, or
 * JGit's own SSH and file transports). Every update names the remote's expected old value, so a
 * branch that moved on the remote is refused, never overwritten. The sandbox never sees these.
 */
public final class Pusher {
    private final Repository repo;
    private final GitCredentials credentials;

    public Pusher(Repository repo, GitCredentials credentials) {
        this.repo = repo;
        this.credentials = credentials;
    }

    /** One ref to push: local object, remote ref name, the remote value expected (zeroId: must not exist). */
    public record Update(ObjectId newId, String remoteRef, ObjectId expectedOld) {
    }

    public void push(String remote, List<Update> updates) throws RefusedException, InfrastructureException {
        List<RemoteRefUpdate> refs = new ArrayList<>();
        try (Transport t = Transport.open(repo, remote)) {
            credentials.configure(t);
            for (Update u : updates) {
                refs.add(new RemoteRefUpdate(repo, u.newId().name(), u.remoteRef(), false, null, u.expectedOld()));
            }
            PushResult r = t.push(NullProgressMonitor.INSTANCE, refs);
            for (RemoteRefUpdate u : r.getRemoteUpdates()) {
                if (u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                    throw new RefusedException("the push of " + u.getRemoteName() + " to " + remote + " was refused: " + u.getStatus()
                            + (u.getMessage() == null ? "" : " (" + u.getMessage() + ")")
                            + (u.getStatus() == RemoteRefUpdate.Status.REJECTED_REMOTE_CHANGED ? ": the branch moved on the remote" : ""));
                }
            }
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new InfrastructureException("cannot push to " + remote + ": " + e.getMessage(), e);
        }
    }

    /** The current value of a ref on the remote (zeroId when it does not exist). */
    public ObjectId remoteValue(String remote, String ref) throws InfrastructureException {
        try {
            var refs = new Git(repo).lsRemote().setRemote(remote).setTransportConfigCallback(credentials::configure).callAsMap();
            var r = refs.get(ref);
            return r == null ? ObjectId.zeroId() : r.getObjectId();
        } catch (GitAPIException e) {
            throw new InfrastructureException("cannot read " + ref + " on " + remote + ": " + e.getMessage(), e);
        }
    }

    /** Fetches one ref of the remote into a local ref (never a checked-out branch). */
    public void fetch(String remote, String ref, String localRef) throws InfrastructureException {
        try {
            new Git(repo).fetch().setRemote(remote).setTransportConfigCallback(credentials::configure)
                    .setRefSpecs(new org.eclipse.jgit.transport.RefSpec("+" + ref + ":" + localRef)).call();
        } catch (GitAPIException e) {
            throw new InfrastructureException("cannot fetch " + ref + " from " + remote + ": " + e.getMessage(), e);
        }
    }
}
