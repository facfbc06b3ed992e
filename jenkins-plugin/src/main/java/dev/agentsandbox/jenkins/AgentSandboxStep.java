package dev.agentsandbox.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
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
 * {@code agentSandbox(task: '…', image: '…', command: '…')}: runs the agent in a gVisor sandbox on
 * the workspace's repository, commits its change on a feature branch, runs the gates, and returns
 * the run's result (runId, branch, headCommit, verdict, bundle, reports) so that the Jenkinsfile
 * can follow with the standard {@code input} step and {@code agentSandbox(action: 'merge', …)}.
 * Only parameter binding lives here; the work is the jar's, launched on the agent node.
 */
public final class AgentSandboxStep extends Step {
    private final String task;
    private String image;
    private String command;
    private String action = "run";
    private String config;
    private String tier;
    private String runtime;
    private String base;
    private String bundle = "agent-sandbox-run";
    private String signingKey;
    private String publicKey;
    private String push;
    private String modelProvider;
    private String modelKeyVariable;
    private String by;
    private String comment;

    /** @param task the task for run; ignored by approve, reject and merge */
    @DataBoundConstructor
    public AgentSandboxStep(String task) {
        this.task = Util.fixEmptyAndTrim(task) == null ? null : task;
    }

    public String getTask() {
        return task;
    }

    public String getImage() {
        return image;
    }

    @DataBoundSetter
    public void setImage(String image) {
        this.image = Util.fixEmptyAndTrim(image);
    }

    public String getCommand() {
        return command;
    }

    @DataBoundSetter
    public void setCommand(String command) {
        this.command = Util.fixEmpty(command);
    }

    public String getAction() {
        return action;
    }

    /** run (default), approve, reject or merge. */
    @DataBoundSetter
    public void setAction(String action) {
        this.action = Util.fixEmptyAndTrim(action) == null ? "run" : action.trim();
    }

    public String getConfig() {
        return config;
    }

    @DataBoundSetter
    public void setConfig(String config) {
        this.config = Util.fixEmptyAndTrim(config);
    }

    public String getTier() {
        return tier;
    }

    @DataBoundSetter
    public void setTier(String tier) {
        this.tier = Util.fixEmptyAndTrim(tier);
    }

    public String getRuntime() {
        return runtime;
    }

    @DataBoundSetter
    public void setRuntime(String runtime) {
        this.runtime = Util.fixEmptyAndTrim(runtime);
    }

    public String getBase() {
        return base;
    }

    @DataBoundSetter
    public void setBase(String base) {
        this.base = Util.fixEmptyAndTrim(base);
    }

    public String getBundle() {
        return bundle;
    }

    @DataBoundSetter
    public void setBundle(String bundle) {
        this.bundle = Util.fixEmptyAndTrim(bundle) == null ? "agent-sandbox-run" : bundle.trim();
    }

    public String getSigningKey() {
        return signingKey;
    }

    /** A path on the node to the Ed25519 private key (bind it with withCredentials(file…)). */
    @DataBoundSetter
    public void setSigningKey(String signingKey) {
        this.signingKey = Util.fixEmptyAndTrim(signingKey);
    }

    public String getPublicKey() {
        return publicKey;
    }

    /**
     * A path on the node to the public key of the signing key: approve, reject and merge pin it and
     * refuse without it (a key read from the bundle proves nothing about who signed).
     */
    @DataBoundSetter
    public void setPublicKey(String publicKey) {
        this.publicKey = Util.fixEmptyAndTrim(publicKey);
    }

    public String getPush() {
        return push;
    }

    @DataBoundSetter
    public void setPush(String push) {
        this.push = Util.fixEmptyAndTrim(push);
    }

    public String getModelProvider() {
        return modelProvider;
    }

    @DataBoundSetter
    public void setModelProvider(String modelProvider) {
        this.modelProvider = Util.fixEmptyAndTrim(modelProvider);
    }

    public String getModelKeyVariable() {
        return modelKeyVariable;
    }

    /** The NAME of the environment variable (bound by withCredentials) that holds the model key. */
    @DataBoundSetter
    public void setModelKeyVariable(String modelKeyVariable) {
        this.modelKeyVariable = Util.fixEmptyAndTrim(modelKeyVariable);
    }

    public String getBy() {
        return by;
    }

    /** approve/reject: who decided (the input step's submitter). */
    @DataBoundSetter
    public void setBy(String by) {
        this.by = Util.fixEmptyAndTrim(by);
    }

    public String getComment() {
        return comment;
    }

    @DataBoundSetter
    public void setComment(String comment) {
        this.comment = Util.fixEmpty(comment);
    }

    @Override
    public StepExecution start(StepContext context) {
        return new AgentSandboxExecution(this, context);
    }

    @Extension
    public static final class DescriptorImpl extends StepDescriptor {
        @Override
        public String getFunctionName() {
            return "agentSandbox";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Run an AI coding agent in a gVisor sandbox and gate its change";
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, FilePath.class, Launcher.class, TaskListener.class, EnvVars.class);
        }
    }
}
