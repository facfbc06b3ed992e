package io.jenkins.plugins.agentsandbox;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code agentSandboxApproval submitter: 'alice,release-managers'}: asks for decisions on the head
 * commit of this build's agent-sandbox run and waits, holding no executor, until enough submitters
 * approved it on the build's page or one rejected it. Returns {@code decision} ('approved' or
 * 'rejected'), {@code approvers}, {@code rejectedBy}, {@code headCommit} and {@code runId}; the
 * decisions stay on the build's page, and {@code agentSandbox action: 'approve'} records them.
 */
public final class ApprovalStep extends Step {
    private final String submitter;
    private String bundle;
    private int quorum;

    @DataBoundConstructor
    public ApprovalStep(String submitter) {
        this.submitter = Util.fixEmptyAndTrim(submitter);
    }

    public String getSubmitter() {
        return submitter;
    }

    public String getBundle() {
        return bundle;
    }

    /** Which of this build's runs (its runId); default: the latest. */
    @DataBoundSetter
    public void setBundle(String bundle) {
        this.bundle = Util.fixEmptyAndTrim(bundle);
    }

    public int getQuorum() {
        return quorum;
    }

    /** How many people must approve; never fewer than the run's own approval rules ask for. */
    @DataBoundSetter
    public void setQuorum(int quorum) {
        this.quorum = quorum;
    }

    @Override
    public StepExecution start(StepContext context) {
        return new ApprovalExecution(this, context);
    }

    @Extension
    public static final class DescriptorImpl extends StepDescriptor {
        @Override
        public String getFunctionName() {
            return "agentSandboxApproval";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Wait for approvals of an agent-sandbox run's commit on the build's page";
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class);
        }
    }
}
