package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.Functions;
import hudson.model.DirectoryBrowserSupport;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.User;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.HttpResponse;
import org.kohsuke.stapler.HttpResponses;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * One agent-sandbox run on the build's page: its verdict, commit and decisions, with the bundle
 * (review page, reports, attestation) served from the build's folder under Jenkins' own
 * Content-Security-Policy for archived files. While an {@code agentSandboxApproval} step waits, the
 * page takes each submitter's decision (POST, with Jenkins' crumb) about the commit it showed.
 */
public final class AgentSandboxAction implements RunAction2 {
    private final String key;
    private String runId;
    private String verdict;
    private String branch;
    private String headCommit;
    private String decision;
    private String decidedBy;
    private String merged;
    private String request;
    private String requestUrl;
    private Ballot ballot;
    private transient Run<?, ?> run;

    AgentSandboxAction(String key) {
        this.key = key;
    }

    void ran(String runId, String verdict, String branch, String headCommit) {
        this.runId = runId;
        this.verdict = verdict;
        this.branch = branch;
        this.headCommit = headCommit;
    }

    void decided(String decision, String by) {
        this.decision = decision;
        this.decidedBy = by;
    }

    void merged(String commit) {
        this.merged = commit;
    }

    /** pr-open: the number and address of the request opened for the run. */
    void opened(String number, String url) {
        this.request = number;
        this.requestUrl = url;
    }

    public String getRequest() {
        return request;
    }

    public String getRequestUrl() {
        return requestUrl;
    }

    public String getKey() {
        return key;
    }

    public String getRunId() {
        return runId;
    }

    public String getVerdict() {
        return verdict;
    }

    public String getBranch() {
        return branch;
    }

    public String getHeadCommit() {
        return headCommit;
    }

    public String getDecision() {
        return decision;
    }

    public String getDecidedBy() {
        return decidedBy;
    }

    public String getMerged() {
        return merged;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    /** The decisions taken on this run's page (builds from before the page took decisions have none). */
    synchronized Ballot ballot() {
        if (ballot == null) {
            ballot = new Ballot();
        }
        return ballot;
    }

    /** Every decision, for the page, oldest first. */
    public List<Ballot.Decision> getDecisions() {
        return ballot().decisions();
    }

    /** The question a step waits on, or null. */
    public Ballot.Question getOpenQuestion() {
        return ballot().open();
    }

    public String getProgress() {
        return ballot().progress();
    }

    /** Why the viewer cannot decide now, or null when they can (approve, or reject only when asking for their own run). */
    public String getDecideRefusal() {
        Ballot.Question q = ballot().open();
        if (q == null) {
            return "nobody is asking for a decision now";
        }
        User u = User.current();
        String id = u == null ? null : u.getId();
        String refusal = Approval.refusal(Approval.Who.current(id), q, Ballot.REJECT);
        if (refusal == null && ballot().of(q.id(), id) != null) {
            return "you have decided on this commit";
        }
        return refusal;
    }

    /**
     * A decision from the page: the question and the commit the reviewer was shown, approve or
     * reject, and an optional comment. Refused unless the build runs, a step waits on that very
     * question about that commit, and the signed-in user is a submitter (administrators included)
     * who has not decided yet.
     */
    @POST
    public HttpResponse doDecide(@QueryParameter String question, @QueryParameter String commit, @QueryParameter String decision,
            @QueryParameter String comment) throws IOException {
        run.checkPermission(Item.READ);
        if (!run.isBuilding()) {
            return HttpResponses.errorWithoutStack(409, "the build has ended; nobody is asking for a decision on it");
        }
        String word = Ballot.decisionWord(decision);
        if (word == null || commit == null || commit.isBlank()) {
            return HttpResponses.errorWithoutStack(400, "give decision=approve or decision=reject, and commit=the commit you reviewed");
        }
        if (comment != null && comment.length() > Ballot.MAX_COMMENT) {
            return HttpResponses.errorWithoutStack(400, "the comment is longer than " + Ballot.MAX_COMMENT + " characters; shorten it");
        }
        Ballot.Question q = ballot().open();
        if (q == null) {
            return HttpResponses.errorWithoutStack(409, "nobody is asking for a decision on this run now");
        }
        if (!q.id().equals(question)) {
            // a stale page or a second click: it answered an earlier question, never this one
            return HttpResponses.errorWithoutStack(409, "the page answered another question than the one open now; reload the page and review again");
        }
        User u = User.current();
        String by = u == null ? null : u.getId();
        String refusal = Approval.refusal(Approval.Who.current(by), q, word);
        if (refusal != null) {
            return HttpResponses.errorWithoutStack(403, refusal);
        }
        Ballot.Decision d = new Ballot.Decision(q.id(), by, word, commit.trim(), System.currentTimeMillis(),
                comment == null || comment.isBlank() ? null : comment);
        refusal = ballot().add(d);
        if (refusal != null) {
            return HttpResponses.errorWithoutStack(409, refusal);
        }
        run.save();
        ApprovalExecution.notify(run, q.id(), d, ballot().outcomeOf(q.id()));
        return HttpResponses.redirectToDot();
    }

    /** The run a step is about: the one named by {@code bundle} (its runId or folder), else the build's latest. */
    static AgentSandboxAction of(Run<?, ?> run, String bundle, String what) throws AbortException {
        List<AgentSandboxAction> runs = run.getActions(AgentSandboxAction.class);
        if (runs.isEmpty()) {
            throw new AbortException(what + ": this build has no agent-sandbox run; run one first (agentSandbox task: …) in the same build");
        }
        if (bundle == null) {
            return runs.get(runs.size() - 1);
        }
        for (AgentSandboxAction a : runs) {
            if (bundle.equals(a.getRunId()) || bundle.endsWith("/" + a.getKey())) {
                return a;
            }
        }
        List<String> names = new ArrayList<>();
        runs.forEach(a -> names.add(a.getRunId()));
        throw new AbortException(what + ": bundle: '" + bundle + "' is none of this build's runs " + names);
    }

    @Override
    public String getIconFileName() {
        return "symbol-lock-closed";
    }

    @Override
    public String getDisplayName() {
        return "Agent sandbox" + (runId == null ? "" : ": " + runId);
    }

    @Override
    public String getUrlName() {
        return "agent-sandbox-" + key;
    }

    /** The review page, relative to the build's URL. */
    String reviewPath() {
        return getUrlName() + "/bundle/reports/review.html";
    }

    /** The archived bundle, as files; the review page among them. */
    public DirectoryBrowserSupport doBundle() {
        if (Functions.isArtifactsPermissionEnabled()) {
            run.checkPermission(Run.ARTIFACTS);
        }
        return new DirectoryBrowserSupport(this, BundleArchive.dir(run, key), "agent-sandbox bundle " + runId, "folder.png", true);
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }
}
