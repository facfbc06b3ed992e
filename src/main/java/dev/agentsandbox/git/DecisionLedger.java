package dev.agentsandbox.git;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * Rejections recorded outside the bundle, in the repository (and its remote when one can be
 * pushed to), as refs {@code refs/agent-sandbox/rejected/<run>}: a bundle cut back to its gates
 * stage looks like a run nobody decided on, but its run stays rejected here.
 */
public final class DecisionLedger {
    public static final String PREFIX = "refs/agent-sandbox/rejected/";
    /** An approved plan, once carried out: a plan is used once. */
    public static final String PLAN_USED = "refs/agent-sandbox/plan-used/";

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
        try {
            if (repo.exactRef(PREFIX + runId) != null) {
                return true;
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read " + PREFIX + runId + ": " + e.getMessage(), e);
        }
        return remote != null && !new Pusher(repo, credentials).remoteValue(remote, PREFIX + runId).equals(ObjectId.zeroId());
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
