package dev.agentsandbox.approval;

import dev.agentsandbox.bundle.Decisions;

import dev.agentsandbox.bundle.Approval;

import dev.agentsandbox.bundle.Plans;

import dev.agentsandbox.bundle.BundleSession;

import dev.agentsandbox.bundle.Outcome;
import dev.agentsandbox.identity.Identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.git.DecisionLedger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Records one decision per run. The bundle is held for the whole command, read once, verified,
 * and the decision is made and signed on exactly those bytes: a file swapped afterwards is not
 * what was approved, and fails the next verification. A rejection is final for its run.
 */
public final class ApprovalService {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Clock clock;
    private final UnaryOperator<String> redactor;

    public ApprovalService(Clock clock, UnaryOperator<String> redactor) {
        this.clock = clock;
        this.redactor = redactor;
    }

    /** A recorded decision, and where the run's quorum stands after it ("1 of 2 approval(s) for a high change (alice)"). */
    public record Decided(Approval approval, String progress) {
    }

    public Approval decide(Path bundle, Approval.Decision decision, String by, String comment, KeyPair key, PublicKey pinned)
            throws AgentSandboxException {
        return decide(bundle, decision, by, comment, key, pinned, null, dev.agentsandbox.git.GitCredentials.NONE).approval();
    }

    /**
     * @param repo the run's repository, where a rejection is recorded outside the bundle (and checked before
     *             an approval); null when it is not at hand (a CI job without the checkout)
     */
    public Decided decide(Path bundle, Approval.Decision decision, String by, String comment, KeyPair key, PublicKey pinned,
                          org.eclipse.jgit.lib.Repository repo, dev.agentsandbox.git.GitCredentials credentials) throws AgentSandboxException {
        Identity.require("--by", by);
        try (BundleSession session = BundleSession.open(bundle, pinned, "there is nothing trustworthy to decide on")) {
            return decide(session, decision, by, comment, key, repo, credentials);
        }
    }

    /** A decision on a bundle opened (locked, read once, verified with the pinned key) by {@link BundleSession}. */
    public Decided decide(BundleSession session, Approval.Decision decision, String by, String comment, KeyPair key,
                          org.eclipse.jgit.lib.Repository repo, dev.agentsandbox.git.GitCredentials credentials) throws AgentSandboxException {
        Identity who = Identity.require("--by", by);
        by = who.id();
        Path bundle = session.dir();
        BundleSnapshot b = session.snapshot();
        BundleVerifier.Verification v = session.verification();
        if ("merge".equals(v.newestStage())) {
            throw new RefusedException("run already merged: nothing to decide");
        }
        Decisions before = Decisions.of(b, v);
        if (before.rejection() != null) {
            Approval r = before.rejection();
            throw new RefusedException("run was rejected by " + r.by() + ": a rejection is final for its run;"
                    + " start a new one (agent-sandbox run --continue)");
        }
        RunRecord run = b.run();
        boolean plan = run.planFirst();
        if (run.headCommit() == null && !plan) {
            throw new RefusedException("run " + run.runId() + " committed nothing: there is no change to decide on");
        }
        // A plan's decision binds the plan's digest where a change's binds its commit.
        String binding = plan ? Plans.binding(b.sha256(Plans.PLAN)) : run.headCommit();
        if (decision == Approval.Decision.APPROVE && before.refusal(by) != null) {
            throw new RefusedException(before.refusal(by));
        }
        String runId = run.runId();
        String remote = run.merge() == null ? null : run.merge().remote();
        if (decision == Approval.Decision.APPROVE && repo != null && DecisionLedger.rejected(repo, runId, null, credentials)) {
            throw new RefusedException("run " + runId + " was rejected (" + DecisionLedger.PREFIX + runId + " in " + repo.getDirectory()
                    + "): a rejection is final, even if the bundle no longer shows it; start a new run");
        }
        boolean failed = run.verdict() == Outcome.FAIL;
        boolean override = false;
        if (decision == Approval.Decision.APPROVE && failed) {
            if (run.merge() == null || !run.merge().allowOverride()) {
                throw new RefusedException("the gates of run " + runId + " failed; the policy does not allow"
                        + " approving over them (merge.allow-override is false): fix the change and run again");
            }
            override = true;
        }
        Approval a;
        try {
            a = new Approval(decision, by, clock.instant().toString(), comment, runId, binding,
                    b.sha256(Layout.GATES), override);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        int k = before.decisions().size() + 1;
        // The last place is kept for a rejection: a run full of approvals can always still be rejected.
        if (decision == Approval.Decision.APPROVE && k >= Layout.MAX_DECISIONS) {
            throw new RefusedException("run already holds " + (Layout.MAX_DECISIONS - 1) + " approvals: no more are recorded (a rejection still is)");
        }
        if (k > Layout.MAX_DECISIONS) {
            throw new RefusedException("run already holds " + Layout.MAX_DECISIONS + " decisions");
        }
        String stage = Layout.approvalStage(k);
        byte[] approvalJson;
        try {
            approvalJson = redactor.apply(JSON.writeValueAsString(a)).getBytes(StandardCharsets.UTF_8);
            BundleSnapshot.write(bundle, Layout.approvalFile(k), approvalJson);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write " + Layout.approvalFile(k) + ": " + e.getMessage(), e);
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("decision", a.decision().name().toLowerCase(java.util.Locale.ROOT));
        facts.put("by", a.by());
        if (who.normalised()) {
            facts.put("byAsGiven", who.raw()); // the compared form is signed; the raw one is kept for the record
        }
        facts.put("headCommit", a.headCommit());
        facts.put("gatesDigest", a.gatesDigest());
        facts.put("override", a.override());
        facts.put("repository", run.repository());
        if (decision == Approval.Decision.REJECT && repo != null) {
            // The ref needs an object the repository has: the run's commit, else (a plan, or a fresh checkout that
            // never fetched the agent's commit) the base it was made on.
            org.eclipse.jgit.lib.ObjectId head = org.eclipse.jgit.lib.ObjectId.fromString(plan ? run.baseCommit() : a.headCommit());
            try {
                if (!repo.getObjectDatabase().has(head)) {
                    head = org.eclipse.jgit.lib.ObjectId.fromString(run.baseCommit());
                }
            } catch (java.io.IOException e) {
                throw new InfrastructureException("cannot read " + repo.getDirectory() + ": " + e.getMessage(), e);
            }
            DecisionLedger.recordRejection(repo, runId, head);
            String failedPublish = remote == null ? "no remote" : DecisionLedger.publish(repo, remote, runId, head, credentials);
            facts.put("ledger", failedPublish == null ? "recorded in the repository and on " + remote
                    : "recorded in the repository (not on the remote: " + failedPublish + ")");
        } else if (decision == Approval.Decision.REJECT) {
            // still a rejection, in the bundle: the command says what it could not also do
            facts.put("ledger", "not recorded outside the bundle: no checkout of the run's repository here (run reject in one, with push rights)");
        }
        try (AuditLog log = AuditLog.continueVerified(bundle.resolve(Layout.AUDIT), b.get(Layout.AUDIT), clock, redactor)) {
            Map<String, Object> logged = new LinkedHashMap<>(Map.of("by", by, "comment", a.comment(), "headCommit", a.headCommit(),
                    "gatesDigest", a.gatesDigest(), "override", override));
            if (who.normalised()) {
                logged.put("byAsGiven", who.raw());
            }
            log.append("approval", facts.get("decision").toString(), logged);
            Attestor.write(bundle, stage, Attestor.statement(b.with(Map.of(Layout.approvalFile(k), approvalJson)), stage, key,
                    log.head(), facts));
        }
        java.util.List<Approval> all = new java.util.ArrayList<>(before.decisions());
        all.add(a);
        return new Decided(a, new Decisions(all, before.tier(), before.required(), before.allowed(), before.allowSelf(), before.expiry(),
                before.requestedBy()).progress(clock));
    }
}
