package dev.agentsandbox.git;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * Decisions recorded outside the bundle, in the repository and on its remote, as tags under
 * {@code agent-sandbox/}: {@code rejected/<run>}, {@code merged/<run>}, {@code plan-used/<run>}. A
 * bundle cut back to an earlier stage looks like a run nobody decided on, or one never merged; the
 * tags say otherwise. Tags, because forges can protect them from deletion (a GitHub tag ruleset, a
 * GitLab protected tag on {@code agent-sandbox/*}); refs of another namespace they cannot.
 */
public final class DecisionLedger {
    public static final String PREFIX = "refs/tags/agent-sandbox/rejected/";
    /** A run's merge, pushed with it. */
    public static final String MERGED = "refs/tags/agent-sandbox/merged/";
    /** An approved plan, once carried out: a plan is used once. */
    public static final String PLAN_USED = "refs/tags/agent-sandbox/plan-used/";
    /** Where rejections were recorded before they were tags: still read. */
    private static final String LEGACY_REJECTED = "refs/agent-sandbox/rejected/";

    private DecisionLedger() {
    }

    public static void recordRejection(Repository repo, String runId, ObjectId head) throws InfrastructureException {
        try {
            RefUpdate ru = repo.updateRef(PREFIX + runId);
            ru.setNewObjectId(head);
            ru.setForceUpdate(true);
            ru.setRefLogMessage("agent-sandbox: run " + runId + " rejected", false);
            RefUpdate.Result r = ru.update();
            if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.NO_CHANGE && r != RefUpdate.Result.FORCED) {
                throw new IOException("ref update " + r);
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot record the rejection in " + repo.getDirectory() + ": " + e.getMessage(), e);
        }
    }

    /** Best effort: the remote learns of the rejection too (needs push rights; the local record stands either way). */
    public static String publish(Repository repo, String remote, String runId, ObjectId head, GitCredentials credentials) {
        try {
            new Pusher(repo, credentials).push(remote, List.of(new Pusher.Update(head, PREFIX + runId, null)));
            return null;
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    /** Whether the repository, or the remote if given, records this run as rejected. */
    public static boolean rejected(Repository repo, String runId, String remote, GitCredentials credentials)
            throws InfrastructureException {
        return recorded(repo, runId, remote, credentials, PREFIX) || recorded(repo, runId, remote, credentials, LEGACY_REJECTED);
    }

    /** Whether the repository, or the remote if given, records this run as merged. */
    public static boolean merged(Repository repo, String runId, String remote, GitCredentials credentials) throws InfrastructureException {
        return recorded(repo, runId, remote, credentials, MERGED);
    }

    /** The local record of a merge (the remote's is pushed with the merge itself). */
    public static void recordMerge(Repository repo, String runId, ObjectId landed) throws InfrastructureException {
        try {
            RefUpdate ru = repo.updateRef(MERGED + runId);
            ru.setNewObjectId(landed);
            ru.setForceUpdate(true);
            RefUpdate.Result r = ru.update();
            if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.NO_CHANGE && r != RefUpdate.Result.FORCED) {
                throw new IOException("ref update " + r);
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot record the merge in " + repo.getDirectory() + ": " + e.getMessage(), e);
        }
    }

    private static boolean recorded(Repository repo, String runId, String remote, GitCredentials credentials, String prefix)
            throws InfrastructureException {
        try {
            if (repo.exactRef(prefix + runId) != null) {
                return true;
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read " + prefix + runId + ": " + e.getMessage(), e);
        }
        return remote != null && !new Pusher(repo, credentials).remoteValue(remote, prefix + runId).equals(ObjectId.zeroId());
    }

    /**
     * Records that the plan of run {@code planRunId} is being carried out; false when it was already
     * (the ref is created only where none is: two runs racing for one plan cannot both win).
     */
    public static boolean recordPlanUse(Repository repo, String planRunId, ObjectId at, String byRun) throws InfrastructureException {
        try {
            RefUpdate ru = repo.updateRef(PLAN_USED + planRunId);
            ru.setExpectedOldObjectId(ObjectId.zeroId());
            ru.setNewObjectId(at);
            ru.setRefLogMessage("agent-sandbox: plan of run " + planRunId + " carried out by run " + byRun, false);
            RefUpdate.Result r = ru.update();
            if (r == RefUpdate.Result.NEW) {
                return true;
            }
            if (r == RefUpdate.Result.LOCK_FAILURE || r == RefUpdate.Result.NO_CHANGE || r == RefUpdate.Result.REJECTED) {
                return false;
            }
            throw new IOException("ref update " + r);
        } catch (IOException e) {
            throw new InfrastructureException("cannot record the plan's use in " + repo.getDirectory() + ": " + e.getMessage(), e);
        }
    }
}
