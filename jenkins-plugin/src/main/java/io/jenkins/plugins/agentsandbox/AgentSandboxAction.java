package io.jenkins.plugins.agentsandbox;

import hudson.Functions;
import hudson.model.DirectoryBrowserSupport;
import hudson.model.Run;
import jenkins.model.RunAction2;

/**
 * One agent-sandbox run on the build's page: its verdict, commit and decisions, with the bundle
 * (review page, reports, attestation) served from the build's folder under Jenkins' own
 * Content-Security-Policy for archived files.
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
