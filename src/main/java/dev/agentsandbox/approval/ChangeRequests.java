package dev.agentsandbox.approval;

import dev.agentsandbox.bundle.Decisions;

import dev.agentsandbox.bundle.Approval;

import dev.agentsandbox.bundle.BundleSession;

import dev.agentsandbox.bundle.Outcome;
import dev.agentsandbox.identity.Identity;

import dev.agentsandbox.bundle.Attestor;
import dev.agentsandbox.audit.AuditLog;
import dev.agentsandbox.bundle.BundleVerifier;
import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.forge.Forge;
import dev.agentsandbox.git.ChangeBundle;
import dev.agentsandbox.git.GitCredentials;
import dev.agentsandbox.git.Pusher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Delivery as a change request, for protected branches (where only a merged pull or merge request
 * lands): the verified run's feature branch is pushed and a request opened with the summary; the
 * forge's approvals count toward the run's quorum (reviews of another commit, the requester's own
 * unless allowed, and people outside {@code approval.TIER.allowed} do not); the forge merges only
 * while the request's head is the run's commit, and the merge is signed into the bundle.
 */
public final class ChangeRequests {
    /** Forges cap a request's description (GitHub at 65,536 characters): the summary is cut well below. */
    private static final int MAX_SUMMARY = 50_000;

    private final Clock clock;
    private final UnaryOperator<String> redactor;

    public ChangeRequests(Clock clock, UnaryOperator<String> redactor) {
        this.clock = clock;
        this.redactor = redactor;
    }

    /** Pushes the feature branch and opens the request; returns it. */
    public Forge.ChangeRequest open(Path bundle, PublicKey pinned, Repository repo, String remote, GitCredentials credentials, Forge forge,
                                    String reviewUrl) throws AgentSandboxException {
        try (BundleSession session = BundleSession.open(bundle, pinned, "nothing is delivered")) {
            return open(session, repo, remote, credentials, forge, reviewUrl);
        }
    }

    private Forge.ChangeRequest open(BundleSession session, Repository repo, String remote, GitCredentials credentials, Forge forge,
                                     String reviewUrl) throws AgentSandboxException {
        BundleSnapshot b = session.snapshot();
        RunRecord run = b.run();
        if (run.planFirst() || run.headCommit() == null) {
            throw new RefusedException("run " + run.runId() + " committed nothing: there is no change to deliver");
        }
        if (run.verdict() == Outcome.FAIL && (run.merge() == null || !run.merge().allowOverride())) {
            throw new RefusedException("the gates of run " + run.runId() + " failed: no " + forge.noun() + " is opened for it");
        }
        if (run.baseBranch() == null) {
            throw new RefusedException("the run started from a detached HEAD: there is no branch to target (run with --base BRANCH)");
        }
        requireSameRepository(run, forge);
        ObjectId head = ObjectId.fromString(run.headCommit());
        try {
            if (!repo.getObjectDatabase().has(head)) {
                ChangeBundle.importCommit(repo, b, run.featureBranch(), head);
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the repository: " + e.getMessage(), e);
        }
        Pusher pusher = new Pusher(repo, credentials);
        ObjectId there = pusher.remoteValue(remote, Constants.R_HEADS + run.featureBranch());
        if (!there.equals(head)) {
            pusher.push(remote, List.of(new Pusher.Update(head, Constants.R_HEADS + run.featureBranch(), ObjectId.zeroId())));
        }
        return forge.open(run.featureBranch(), run.baseBranch(), title(run), body(b, run, reviewUrl));
    }

    /** Merges the request if its head is the run's commit and the quorum is met; signs the merge into the bundle. */
    /**
     * @param ledger the repository whose rejection record is checked (locally, and on {@code remote} when it names one);
     *               a run rejected there is never merged, even if its bundle was cut back
     */
    public String merge(Path bundle, PublicKey pinned, Forge forge, String number, KeyPair key, Repository ledger, String remote,
                        GitCredentials credentials) throws AgentSandboxException {
        try (BundleSession session = BundleSession.open(bundle, pinned, "nothing is merged")) {
            BundleSnapshot b = session.snapshot();
            BundleVerifier.Verification v = session.verification();
            if ("merge".equals(v.newestStage())) {
                throw new RefusedException("run already merged (" + Layout.envelope("merge") + "): nothing to do");
            }
            RunRecord run = b.run();
            if (run.planFirst() || run.headCommit() == null) {
                throw new RefusedException("run " + run.runId() + " committed nothing: there is nothing to merge");
            }
            Decisions decisions = Decisions.of(b, v);
            if (decisions.rejection() != null) {
                throw new RefusedException("run " + run.runId() + " was rejected by " + decisions.rejection().by() + ": nothing is merged");
            }
            if (dev.agentsandbox.git.DecisionLedger.rejected(ledger, run.runId(),
                    remote != null && ledger.getConfig().getString("remote", remote, "url") != null ? remote : null, credentials)) {
                throw new RefusedException("run " + run.runId() + " was rejected (" + dev.agentsandbox.git.DecisionLedger.PREFIX + run.runId()
                        + "): a rejection is final, even if the bundle no longer shows it; nothing is merged");
            }
            Set<String> inBundle = decisions.counted(clock);
            if (run.verdict() == Outcome.FAIL && (run.merge() == null || !run.merge().allowOverride()
                    || decisions.decisions().stream().noneMatch(a -> a.decision() == Approval.Decision.APPROVE && a.override()
                    && inBundle.contains(Identity.idOrNull(a.by()))))) {
                throw new RefusedException("the gates of run " + run.runId() + " failed" + (run.merge() != null && run.merge().allowOverride()
                        ? " and no counted approval in the bundle is over them (agent-sandbox approve records an override; a forge review never is)"
                        : "; the policy does not allow merging over them (merge.allow-override is false)") + ": nothing is merged");
            }
            requireSameRepository(run, forge);
            Forge.ChangeRequest cr = forge.get(number);
            if (!cr.open()) {
                throw new RefusedException("the " + forge.noun() + " " + cr.url() + " is not open");
            }
            if (!cr.headSha().equals(run.headCommit())) {
                throw new RefusedException("the " + forge.noun() + "'s head is " + cr.headSha() + ", not the run's commit " + run.headCommit()
                        + ": a commit was pushed after the run; nothing is merged");
            }
            if (!cr.targetBranch().equals(run.baseBranch())) {
                throw new RefusedException("the " + forge.noun() + " targets " + cr.targetBranch() + ", not the run's base " + run.baseBranch());
            }
            Set<String> counted = new LinkedHashSet<>(inBundle);
            List<String> ignored = new java.util.ArrayList<>();
            for (Forge.Review r : forge.reviews(number)) {
                String who = Identity.idOrNull(r.user());
                if (!r.approved() && r.trusted()) {
                    throw new RefusedException(dev.agentsandbox.console.SafeText.line(r.user()) + " asked for changes on the " + forge.noun()
                            + ": nothing is merged while a reviewer's latest word is that");
                }
                if (!r.approved()) {
                    continue;
                }
                String why = who == null ? "not a valid identity"
                        : !r.trusted() ? r.distrust()
                        : r.commit() == null && forge.reviewsNameCommits() ? "names no commit"
                        : r.commit() != null && !r.commit().equals(run.headCommit()) ? "approved another commit"
                        : before(r.submitted(), run.startedAt()) ? "made before the run began"
                        : decisions.expired(r.submitted(), clock) ? "older than approval." + decisions.tier() + ".expiry"
                        : decisions.refusal(who);
                if (why == null) {
                    counted.add(who);
                } else {
                    ignored.add(dev.agentsandbox.console.SafeText.line(r.user()) + " (" + why + ")");
                }
            }
            if (counted.size() < decisions.required()) {
                throw new RefusedException("not enough approvals: " + counted.size() + " of " + decisions.required() + " for a "
                        + decisions.tier() + " change" + (counted.isEmpty() ? "" : " (" + String.join(", ", counted) + ")")
                        + (ignored.isEmpty() ? "" : "; not counted: " + String.join("; ", ignored)) + "; nothing is merged");
            }
            String title = "Merge " + run.featureBranch() + " (approved by " + String.join(", ", counted) + ")";
            String landed = forge.merge(number, run.headCommit(), title);
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("target", run.baseBranch());
            facts.put("commit", landed);
            facts.put("approvedCommit", run.headCommit());
            facts.put("approvedBy", List.copyOf(counted));
            facts.put("tier", decisions.tier());
            facts.put("via", forge.noun());
            facts.put("changeRequest", cr.url());
            try (AuditLog log = AuditLog.continueVerified(bundle.resolve(Layout.AUDIT), b.get(Layout.AUDIT), clock, redactor)) {
                log.append("merge", "merged", facts);
                Attestor.write(bundle, "merge", Attestor.statement(b, "merge", key, log.head(), facts));
            }
            return landed;
        }
    }

    private static boolean before(String time, String start) {
        try {
            return time != null && start != null && java.time.Instant.parse(time).isBefore(java.time.Instant.parse(start));
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
    }

    /**
     * The forge's project is the run's repository: a bundle approved for one repository is never
     * delivered into another by naming it (--project). A GitLab project given by numeric id cannot be
     * compared here and is refused: name it group/name.
     */
    static void requireSameRepository(RunRecord run, Forge forge) throws RefusedException {
        String repository = run.repository();
        if (repository == null) {
            throw new RefusedException("run " + run.runId() + " names no repository (it was made in a repository without a remote): it"
                    + " cannot be delivered through a " + forge.noun() + "; run it again in a clone of the forge's project");
        }
        String project = forge.project() == null ? "" : forge.project().strip().toLowerCase(java.util.Locale.ROOT).replaceAll("/+$", "")
                .replaceAll("\\.git$", "");
        // the repository's path after its host, exactly: a subgroup or a longer path elsewhere is another project
        String hostAndPath = repository.replaceFirst("^/+", ""); // a local path's first folder stands where a host would
        int slash = hostAndPath.indexOf('/');
        String path = slash < 0 ? "" : hostAndPath.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
        if (project.isEmpty() || project.matches("\\d+") || !path.equals(project)) {
            throw new RefusedException("the run was made in " + repository + ", not in the " + forge.noun() + "'s project '" + forge.project()
                    + "'" + (project.matches("\\d+") ? " (give --project as group/name, not a numeric id)" : "") + ": nothing is delivered");
        }
    }

    private static String title(RunRecord run) {
        String first = run.task() == null ? "" : run.task().strip().lines().findFirst().orElse("");
        first = first.length() > 80 ? first.substring(0, 80) + "…" : first;
        return "agent-sandbox: " + (first.isEmpty() ? run.runId() : first);
    }

    /** The summary the run wrote (redacted there), with where to find the review page and the attestation. */
    private static String body(BundleSnapshot b, RunRecord run, String reviewUrl) {
        byte[] summary = b.get("reports/summary.md");
        String text = summary == null ? "" : new String(summary, StandardCharsets.UTF_8).strip();
        if (text.length() > MAX_SUMMARY) {
            text = text.substring(0, MAX_SUMMARY) + "\n\n… (the summary goes on in the bundle's reports/summary.md)";
        }
        StringBuilder s = new StringBuilder();
        s.append(text).append("\n\n---\n");
        s.append("Run `").append(run.runId()).append("`, commit `").append(run.headCommit()).append("`, verdict **")
                .append(run.verdict()).append("**.\n");
        if (reviewUrl != null) {
            s.append("Review page and bundle (with `attestation/gates.dsse.json`): ").append(reviewUrl).append("\n");
        }
        s.append("\nThis ").append("request merges only while its head is that commit and the run's approvals are met"
                + " (`agent-sandbox pr merge`); commits pushed here after the run are never merged.\n");
        return s.toString();
    }
}
