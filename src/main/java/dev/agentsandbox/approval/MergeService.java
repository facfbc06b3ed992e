package dev.agentsandbox.approval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.audit.Attestor;
import dev.agentsandbox.audit.AuditLog;
import dev.agentsandbox.audit.BundleVerifier;
import dev.agentsandbox.audit.Digests;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.git.BranchMerger;
import dev.agentsandbox.git.Pusher;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * Lands an approved change, and only that: the bundle verifies, a reviewer approved, the
 * approval names this head commit and these gate results, and the feature branch still points
 * at the approved commit. Any other state is refused and nothing changes.
 */
public final class MergeService {
    /** What landed where. */
    public record Merged(String target, String commit, boolean fastForward, boolean localUpdated, String pushedTo) {
    }

    private final Clock clock;
    private final UnaryOperator<String> redactor;
    private final Map<String, String> env;

    public MergeService(Clock clock, UnaryOperator<String> redactor, Map<String, String> env) {
        this.clock = clock;
        this.redactor = redactor;
        this.env = env;
    }

    public Merged merge(Path bundle, Repository repo, PublicKey pinned, String remoteOverride, KeyPair key) throws AgentSandboxException {
        BundleVerifier.Verification v = BundleVerifier.verify(bundle, pinned);
        if (!v.ok()) {
            throw new RefusedException("the bundle does not verify; nothing was merged:\n  - " + String.join("\n  - ", v.problems()));
        }
        JsonNode run = ApprovalService.read(bundle.resolve(Layout.RUN_JSON));
        Approval a = ApprovalService.read(bundle, true);
        if (a.decision() == Approval.Decision.REJECT) {
            throw new RefusedException("run " + a.runId() + " was rejected by " + a.by() + (a.comment().isBlank() ? "" : ": " + a.comment())
                    + "; nothing is merged (continue with `agent-sandbox run --continue " + bundle + "`)");
        }
        String head = run.path("headCommit").asText();
        if (!head.equals(a.headCommit())) {
            throw new RefusedException("the approval names commit " + a.headCommit() + " but the run's head is " + head + ": approve this run again");
        }
        try {
            if (!Digests.sha256(bundle.resolve(Layout.GATES)).equals(a.gatesDigest())) {
                throw new RefusedException("the gate results changed after approval: approve again");
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read " + Layout.GATES + ": " + e.getMessage(), e);
        }
        String feature = run.path("featureBranch").asText();
        String baseBranch = run.path("baseBranch").asText(null);
        if (baseBranch == null || baseBranch.equals("null")) {
            throw new RefusedException("the run started from a detached HEAD: there is no branch to merge into (run with --base BRANCH)");
        }
        try {
            String remote = remoteOverride != null ? remoteOverride : run.path("merge").path("remote").asText(null);
            Pusher pusher = new Pusher(repo, env);
            ObjectId remoteFeature = remote == null ? null : pusher.remoteValue(remote, Constants.R_HEADS + feature);
            Ref featureRef = repo.exactRef(Constants.R_HEADS + feature);
            if (featureRef == null && remoteFeature != null && !remoteFeature.equals(ObjectId.zeroId())) {
                // A fresh CI checkout: the run pushed the branch; bring the approved object here.
                pusher.fetch(remote, Constants.R_HEADS + feature, Constants.R_HEADS + feature);
                featureRef = repo.exactRef(Constants.R_HEADS + feature);
            }
            if (featureRef == null || !featureRef.getObjectId().name().equals(head)) {
                throw new RefusedException("branch " + feature + " is at " + (featureRef == null ? "nothing" : featureRef.getObjectId().name())
                        + ", not at the approved commit " + head + ": a commit was added after approval; review and approve again");
            }
            if (remoteFeature != null && !remoteFeature.equals(ObjectId.zeroId()) && !remoteFeature.name().equals(head)) {
                throw new RefusedException("branch " + feature + " on " + remote + " is at " + remoteFeature.name() + ", not at the approved commit "
                        + head + ": a commit was pushed after approval; review and approve again");
            }
            String strategy = run.path("merge").path("strategy").asText("fast-forward");
            String targetRef = Constants.R_HEADS + baseBranch;
            if (remote == null && checkedOut(repo, targetRef)) {
                throw new RefusedException(baseBranch + " is checked out in " + repo.getWorkTree() + " and no remote is configured:"
                        + " the host never checks out the agent's files, so give --remote (or merge.remote) to land the change there");
            }
            ObjectId targetNow = remote != null ? pusher.remoteValue(remote, targetRef) : repo.resolve(targetRef);
            if (remote != null && targetNow != null && !targetNow.equals(ObjectId.zeroId()) && !repo.getObjectDatabase().has(targetNow)) {
                pusher.fetch(remote, targetRef, "refs/agent-sandbox/remote/" + baseBranch);
            }
            if (targetNow == null || targetNow.equals(ObjectId.zeroId())) {
                throw new RefusedException("branch " + baseBranch + " does not exist" + (remote != null ? " on " + remote : ""));
            }
            PersonIdent who = new PersonIdent("agent-sandbox", "agent-sandbox@localhost", clock.instant(), clock.getZone());
            BranchMerger.Strategy s = strategy.equals("merge") ? BranchMerger.Strategy.MERGE : BranchMerger.Strategy.FAST_FORWARD;
            ObjectId result = new BranchMerger(repo).merge(targetNow, ObjectId.fromString(head), s,
                    "Merge " + feature + " (approved by " + a.by() + ")\n\nAgent-Sandbox-Run: " + a.runId() + "\n", who);
            boolean ff = result.name().equals(head);
            String pushed = null;
            if (remote != null) {
                List<Pusher.Update> updates = new ArrayList<>();
                updates.add(new Pusher.Update(ObjectId.fromString(head), Constants.R_HEADS + feature, remoteFeature));
                updates.add(new Pusher.Update(result, targetRef, targetNow));
                pusher.push(remote, updates);
                pushed = remote;
            }
            boolean local = updateLocal(repo, targetRef, result);
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("target", baseBranch);
            facts.put("commit", result.name());
            facts.put("approvedCommit", head);
            facts.put("fastForward", ff);
            facts.put("pushedTo", pushed);
            facts.put("localRefUpdated", local);
            try (AuditLog log = AuditLog.open(bundle.resolve(Layout.AUDIT), clock, redactor)) {
                log.append("merge", "merged", facts);
                Attestor.sign(bundle, "merge", key, log.head(), facts);
            }
            return new Merged(baseBranch, result.name(), ff, local, pushed);
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the repository: " + e.getMessage(), e);
        }
    }

    private static boolean checkedOut(Repository repo, String targetRef) throws IOException {
        Ref head = repo.exactRef(Constants.HEAD);
        return !repo.isBare() && head != null && head.isSymbolic() && head.getTarget().getName().equals(targetRef);
    }

    /**
     * Moves the local target branch too, unless it is checked out in a working tree: the host
     * never checks out the agent's files (their attributes and filters would apply).
     */
    private static boolean updateLocal(Repository repo, String targetRef, ObjectId result) throws IOException {
        Ref current = repo.exactRef(targetRef);
        if (checkedOut(repo, targetRef) || current == null) {
            return false;
        }
        RefUpdate ru = repo.updateRef(targetRef);
        ru.setExpectedOldObjectId(current.getObjectId());
        ru.setNewObjectId(result);
        ru.setRefLogMessage("agent-sandbox: merge", false);
        RefUpdate.Result r = ru.update();
        return r == RefUpdate.Result.FAST_FORWARD || r == RefUpdate.Result.FORCED || r == RefUpdate.Result.NEW;
    }
}
