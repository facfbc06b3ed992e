package dev.agentsandbox.approval;

import dev.agentsandbox.bundle.Decisions;

import dev.agentsandbox.bundle.Approval;

import dev.agentsandbox.bundle.BundleSession;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.bundle.Attestor;
import dev.agentsandbox.audit.AuditLog;
import dev.agentsandbox.bundle.BundleVerifier;
import dev.agentsandbox.bundle.BundleLock;
import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.git.BranchMerger;
import dev.agentsandbox.git.ChangeBundle;
import dev.agentsandbox.git.DecisionLedger;
import dev.agentsandbox.git.RepositoryIdentity;
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
    private final dev.agentsandbox.git.GitCredentials credentials;

    /** @param env the host's variables, for notification secrets named in run.json; @param credentials for the remote */
    public MergeService(Clock clock, UnaryOperator<String> redactor, Map<String, String> env, dev.agentsandbox.git.GitCredentials credentials) {
        this.clock = clock;
        this.redactor = redactor;
        this.env = env;
        this.credentials = credentials;
    }

    public Merged merge(Path bundle, Repository repo, PublicKey pinned, String remoteOverride, KeyPair key) throws AgentSandboxException {
        try (BundleSession session = BundleSession.open(bundle, pinned, "nothing was merged")) {
            return merge(session, repo, remoteOverride, key);
        }
    }

    /** Merges the run of a bundle opened (locked, read once, verified with the pinned key) by {@link BundleSession}. */
    public Merged merge(BundleSession session, Repository repo, String remoteOverride, KeyPair key) throws AgentSandboxException {
        Path bundle = session.dir();
        BundleSnapshot b = session.snapshot();
        BundleVerifier.Verification v = session.verification();
        if ("merge".equals(v.newestStage())) {
            throw new RefusedException("run already merged (" + Layout.envelope("merge") + "): nothing to do");
        }
        if (b.run().planFirst()) {
            throw new RefusedException("this is a plan's bundle: a plan is not merged; run with --plan-from " + bundle + " to carry it out");
        }
        if (!Layout.isApprovalStage(v.newestStage())) {
            throw new RefusedException("run has no approval: a reviewer must run `agent-sandbox approve` first");
        }
        return merge(bundle, b, Decisions.of(b, v), repo, remoteOverride, key);
    }

    private Merged merge(Path bundle, BundleSnapshot b, Decisions decisions, Repository repo, String remoteOverride, KeyPair key)
            throws AgentSandboxException {
        RunRecord run = b.run();
        Approval rejected = decisions.rejection();
        if (rejected != null) {
            throw new RefusedException("run " + rejected.runId() + " was rejected by " + rejected.by()
                    + (rejected.comment().isBlank() ? "" : ": " + rejected.comment())
                    + "; a rejection is final: nothing is merged (continue with `agent-sandbox run --continue " + bundle + "`)");
        }
        String head = run.headCommit();
        if (head == null) {
            throw new RefusedException("run " + run.runId() + " committed nothing: there is nothing to merge");
        }
        for (Approval x : decisions.decisions()) {
            if (!head.equals(x.headCommit())) {
                throw new RefusedException("the approval by " + x.by() + " names commit " + x.headCommit() + " but the run's head is " + head
                        + ": approve this run again");
            }
            if (!b.sha256(Layout.GATES).equals(x.gatesDigest())) {
                throw new RefusedException("the gate results changed after " + x.by() + " approved: approve again");
            }
        }
        java.util.Set<String> counted = decisions.counted(clock);
        if (counted.size() < decisions.required()) {
            int missing = decisions.required() - counted.size();
            throw new RefusedException("not enough approvals: " + decisions.progress(clock) + "; " + missing + " more from "
                    + (missing == 1 ? "another person" : "other people")
                    + (decisions.requestedBy() != null && !decisions.allowSelf() ? " (not " + decisions.requestedBy() + ", who asked for the run)" : "")
                    + (decisions.expiry() != null ? "; approvals count for " + decisions.expiry().toHours() + " h" : ""));
        }
        Approval a = decisions.decisions().get(decisions.decisions().size() - 1);
        String feature = run.featureBranch();
        String baseBranch = run.baseBranch();
        RunRecord.Merge how = run.merge() != null ? run.merge() : new RunRecord.Merge("fast-forward", null, false);
        if (baseBranch == null || baseBranch.equals("null")) {
            throw new RefusedException("the run started from a detached HEAD: there is no branch to merge into (run with --base BRANCH)");
        }
        try {
            String remote = remoteOverride != null ? remoteOverride : how.remote();
            requireSameRepository(repo, remote, run.repository());
            if (DecisionLedger.merged(repo, a.runId(), remote, credentials)) {
                throw new RefusedException("run " + a.runId() + " was merged already (" + DecisionLedger.MERGED + a.runId()
                        + "), though its bundle no longer shows it: nothing is merged again");
            }
            if (DecisionLedger.rejected(repo, a.runId(), remote, credentials)) {
                throw new RefusedException("run " + a.runId() + " was rejected (" + DecisionLedger.PREFIX + a.runId()
                        + "): a rejection is final, even if the bundle no longer shows it; nothing is merged");
            }
            Pusher pusher = new Pusher(repo, credentials);
            ObjectId approved = ObjectId.fromString(head);
            ObjectId remoteFeature = remote == null ? null : pusher.remoteValue(remote, Constants.R_HEADS + feature);
            if (remoteFeature != null && !remoteFeature.equals(ObjectId.zeroId()) && !remoteFeature.equals(approved)) {
                throw new RefusedException("branch " + feature + " on " + remote + " is at " + remoteFeature.name() + ", not at the approved commit "
                        + head + ": a commit was pushed after approval; review and approve again");
            }
            Ref featureRef = repo.exactRef(Constants.R_HEADS + feature);
            if (featureRef != null && !featureRef.getObjectId().equals(approved)) {
                throw new RefusedException("branch " + feature + " is at " + featureRef.getObjectId().name() + ", not at the approved commit "
                        + head + ": a commit was added after approval; review and approve again");
            }
            if (!repo.getObjectDatabase().has(approved)) {
                // A fresh CI checkout: the approved commit travels in the signed bundle, not on the remote.
                ChangeBundle.importCommit(repo, b, feature, approved);
            }
            if (run.commitSigner() != null) {
                // The run signed the agent's commit: what lands must carry that signature.
                try (org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(repo)) {
                    dev.agentsandbox.git.CommitSigning.requireSigned(repo, rw.parseCommit(approved), run.commitSigner(),
                            Path.of(System.getProperty("java.io.tmpdir")));
                }
            }
            String strategy = how.strategy() != null ? how.strategy() : "fast-forward";
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
            requireBaseAncestor(repo, ObjectId.fromString(run.baseCommit()), targetNow, baseBranch);
            PersonIdent who = new PersonIdent("agent-sandbox", "agent-sandbox@localhost", clock.instant(), clock.getZone());
            BranchMerger.Strategy s = strategy.equals("merge") ? BranchMerger.Strategy.MERGE : BranchMerger.Strategy.FAST_FORWARD;
            ObjectId result = new BranchMerger(repo).merge(targetNow, approved, s,
                    "Merge " + feature + " (approved by " + String.join(", ", counted) + ")\n\nAgent-Sandbox-Run: " + a.runId() + "\n", who);
            boolean ff = result.equals(approved);
            String pushed = null;
            if (remote != null) {
                List<Pusher.Update> updates = new ArrayList<>();
                // After approval the feature branch may go too (forges link it); never before.
                updates.add(new Pusher.Update(approved, Constants.R_HEADS + feature, remoteFeature));
                updates.add(new Pusher.Update(result, targetRef, targetNow));
                // the merge's record outside the bundle, in the same atomic push: a bundle cut back cannot hide it
                updates.add(new Pusher.Update(result, DecisionLedger.MERGED + a.runId(), ObjectId.zeroId()));
                pusher.push(remote, updates);
                pushed = remote;
            }
            LocalUpdate local = updateLocal(repo, targetRef, result);
            DecisionLedger.recordMerge(repo, a.runId(), result);
            if (remote == null && !local.updated()) {
                // Without a remote the local branch IS the target: a refused update means nothing landed.
                throw new RefusedException("branch " + baseBranch + " could not be moved to the merge (" + local.why() + "); nothing landed");
            }
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("target", baseBranch);
            facts.put("commit", result.name());
            facts.put("approvedCommit", head);
            facts.put("approvedBy", List.copyOf(counted));
            facts.put("tier", decisions.tier());
            facts.put("fastForward", ff);
            facts.put("pushedTo", pushed);
            facts.put("localRefUpdated", local.updated());
            if (!local.updated() && local.why() != null) {
                facts.put("localRefNotUpdated", local.why());
            }
            try (AuditLog log = AuditLog.continueVerified(bundle.resolve(Layout.AUDIT), b.get(Layout.AUDIT), clock, redactor)) {
                notifyMerged(run, facts, log);
                log.append("merge", "merged", facts);
                Attestor.write(bundle, "merge", Attestor.statement(b, "merge", key, log.head(), facts));
            }
            return new Merged(baseBranch, result.name(), ff, local.updated(), pushed);
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the repository: " + e.getMessage(), e);
        }
    }

    /** Tells the run's people (its notify section, from run.json) before the merge is signed; outcomes go to the log. */
    private void notifyMerged(RunRecord run, Map<String, Object> facts, AuditLog log) throws InfrastructureException {
        if (run.notifications() == null || run.notifications().isNull()) {
            return;
        }
        dev.agentsandbox.config.NotifyConfig config;
        try {
            config = ApprovalService.JSON.treeToValue(run.notifications(), dev.agentsandbox.config.NotifyConfig.class);
        } catch (IOException e) {
            log.append("notify", "failed", Map.of("event", "merged", "error", "run.json's notify section cannot be read"));
            return;
        }
        if (!config.any()) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>(facts);
        f.put("runId", run.runId());
        f.put("tier", run.risk() == null ? null : run.risk().tier());
        for (var o : new dev.agentsandbox.notify.Notifications(config, env).send("merged", f)) {
            log.append("notify", o.sent() ? "sent" : "failed", o.sent() ? Map.of("channel", o.channel(), "event", "merged")
                    : Map.of("channel", o.channel(), "event", "merged", "error", o.error()));
        }
    }

    /**
     * The approval binds the repository the run was made in: it cannot be replayed into a fork or a
     * mirror. A run made where no remote was named can land only locally; a local merge still checks
     * the clone's origin against the run's repository.
     */
    private static void requireSameRepository(Repository repo, String remote, String recorded) throws RefusedException {
        if (recorded == null) {
            if (remote != null) {
                throw new RefusedException("the run was made in a repository with no remote, so it names none: it is not pushed to '" + remote
                        + "'; merge it without a remote, or run again in a clone of that remote");
            }
            return;
        }
        String name = remote != null ? remote : "origin";
        String url = repo.getConfig().getString("remote", name, "url");
        if (remote == null && url == null) {
            return; // a local clone without an origin: the base's ancestry check below decides
        }
        String target = url == null ? remote : url;
        if (!RepositoryIdentity.same(recorded, target)) {
            throw new RefusedException("the run was approved for " + recorded + ", not for " + target + " (remote " + name
                    + "): an approval cannot be carried to another repository");
        }
    }

    /** The run's base must still be in the target's history: a base rewritten or forced backwards is refused. */
    private static void requireBaseAncestor(Repository repo, ObjectId base, ObjectId target, String branch) throws IOException, RefusedException {
        try (org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(repo)) {
            if (!repo.getObjectDatabase().has(base) || !rw.isMergedInto(rw.parseCommit(base), rw.parseCommit(target))) {
                throw new RefusedException("the run's base commit " + base.name() + " is no longer in the history of " + branch
                        + " (it was rewritten or forced backwards): the change was reviewed against a base that is gone; run it again");
            }
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
    private record LocalUpdate(boolean updated, String why) {
    }

    private static LocalUpdate updateLocal(Repository repo, String targetRef, ObjectId result) throws IOException {
        Ref current = repo.exactRef(targetRef);
        if (current == null) {
            return new LocalUpdate(false, null);
        }
        if (checkedOut(repo, targetRef)) {
            return new LocalUpdate(false, "checked out in the working tree");
        }
        RefUpdate ru = repo.updateRef(targetRef);
        ru.setExpectedOldObjectId(current.getObjectId());
        ru.setNewObjectId(result);
        ru.setRefLogMessage("agent-sandbox: merge", false);
        RefUpdate.Result r = ru.update();
        boolean ok = r == RefUpdate.Result.FAST_FORWARD || r == RefUpdate.Result.FORCED || r == RefUpdate.Result.NEW
                || r == RefUpdate.Result.NO_CHANGE;
        return new LocalUpdate(ok, ok ? null : "the local ref update was " + r);
    }
}
