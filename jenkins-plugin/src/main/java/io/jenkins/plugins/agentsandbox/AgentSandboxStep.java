package io.jenkins.plugins.agentsandbox;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.JDK;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.List;
import java.util.Set;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code agentSandbox task: '…', image: '…', command: '…'}: runs the agent in a gVisor sandbox on
 * the workspace's repository, commits its change on a feature branch, runs the gates, archives the
 * run's bundle with the build, and returns the result (runId, branch, headCommit, verdict,
 * reviewUrl, bundle, reports, exitCode). {@code action: 'approve'} records the people who approved
 * that commit on the build's page ({@link ApprovalStep}); {@code action: 'merge'} lands exactly the
 * approved commit.
 * Only parameter binding lives here; the work is the CLI's, launched on the agent node.
 */
public final class AgentSandboxStep extends Step {
    static final List<String> ACTIONS = List.of("run", "approve", "reject", "merge", "verify", "pr-open", "pr-merge");
    static final List<String> TIERS = List.of("gvisor", "microvm", "container");

    private String task;
    private String image;
    private String command;
    private String action = "run";
    private String config;
    private String trigger;
    private String tier;
    private String runtime;
    private String base;
    private String bundle;
    private String signingKey;
    private String signingKeyCredentialsId;
    private String publicKey;
    private String commitKeyCredentialsId;
    private String push;
    private String gitCredentialsId;
    private String knownHosts;
    private String modelProvider;
    private String modelUrl;
    private String backend;
    private String modelCredentialsId;
    private String modelKeyVariable;
    private String jdk;
    private boolean returnStatus;
    private String by;
    private String comment;
    private String forge;
    private String forgeApi;
    private String project;
    private String forgeCredentialsId;
    private String number;
    private String modelRegion;
    private String modelRoleArn;
    private String modelProject;
    private String modelWorkloadIdentityProvider;
    private String modelServiceAccount;
    private String modelTenantId;
    private String modelClientId;
    private String modelTokenCredentialsId;

    @DataBoundConstructor
    public AgentSandboxStep() {
    }

    public String getTask() { return task; }

    /** The task for run; approve, reject and merge take none. */
    @DataBoundSetter
    public void setTask(String task) {
        this.task = Util.fixEmptyAndTrim(task) == null ? null : task;
    }

    public String getImage() { return image; }

    @DataBoundSetter
    public void setImage(String image) {
        this.image = Util.fixEmptyAndTrim(image);
    }

    public String getCommand() { return command; }

    @DataBoundSetter
    public void setCommand(String command) {
        this.command = Util.fixEmpty(command);
    }

    public String getAction() { return action; }

    /** run (default), approve, reject or merge. */
    @DataBoundSetter
    public void setAction(String action) {
        this.action = Util.fixEmptyAndTrim(action) == null ? "run" : action.trim();
    }

    public String getConfig() { return config; }

    /** Where a person asked for the run (a trigger.json of `agent-sandbox trigger`, in the workspace); its author is the requester. */
    public String getTrigger() { return trigger; }

    @DataBoundSetter
    public void setTrigger(String trigger) {
        this.trigger = Util.fixEmptyAndTrim(trigger);
    }

    @DataBoundSetter
    public void setConfig(String config) {
        this.config = Util.fixEmptyAndTrim(config);
    }

    public String getTier() { return tier; }

    @DataBoundSetter
    public void setTier(String tier) {
        this.tier = Util.fixEmptyAndTrim(tier);
    }

    public String getRuntime() { return runtime; }

    @DataBoundSetter
    public void setRuntime(String runtime) {
        this.runtime = Util.fixEmptyAndTrim(runtime);
    }

    public String getBase() { return base; }

    @DataBoundSetter
    public void setBase(String base) {
        this.base = Util.fixEmptyAndTrim(base);
    }

    public String getBundle() { return bundle; }

    /** The bundle folder in the workspace; default: one per build and step (agent-sandbox-runs/BUILD-NODE). */
    @DataBoundSetter
    public void setBundle(String bundle) {
        this.bundle = Util.fixEmptyAndTrim(bundle);
    }

    public String getSigningKey() { return signingKey; }

    /** A path on the node to the Ed25519 private key (prefer signingKeyCredentialsId). */
    @DataBoundSetter
    public void setSigningKey(String signingKey) {
        this.signingKey = Util.fixEmptyAndTrim(signingKey);
    }

    public String getSigningKeyCredentialsId() { return signingKeyCredentialsId; }

    /** A secret file (or secret text) holding the Ed25519 private key in PEM. */
    @DataBoundSetter
    public void setSigningKeyCredentialsId(String signingKeyCredentialsId) {
        this.signingKeyCredentialsId = Util.fixEmptyAndTrim(signingKeyCredentialsId);
    }

    public String getPublicKey() { return publicKey; }

    /**
     * A path on the node to the public key of the signing key: approve, reject and merge pin it and
     * refuse without it (a key read from the bundle proves nothing about who signed).
     */
    @DataBoundSetter
    public void setPublicKey(String publicKey) {
        this.publicKey = Util.fixEmptyAndTrim(publicKey);
    }

    public String getCommitKeyCredentialsId() { return commitKeyCredentialsId; }

    /** An SSH private key (no passphrase) that signs the agent's commit. */
    @DataBoundSetter
    public void setCommitKeyCredentialsId(String commitKeyCredentialsId) {
        this.commitKeyCredentialsId = Util.fixEmptyAndTrim(commitKeyCredentialsId);
    }

    /**
     * Models in a company's cloud with the CI's identity (bedrock, vertex, azure): the region, the role, project, workload
     * identity provider and service account, or tenant and app, as the CLI's --model-* options; the OIDC token from the
     * OpenID Connect provider plugin's credential (modelTokenCredentialsId), exchanged on the node, never given to the agent.
     */
    public String getModelRegion() { return modelRegion; }

    @DataBoundSetter
    public void setModelRegion(String v) { this.modelRegion = Util.fixEmptyAndTrim(v); }

    public String getModelRoleArn() { return modelRoleArn; }

    @DataBoundSetter
    public void setModelRoleArn(String v) { this.modelRoleArn = Util.fixEmptyAndTrim(v); }

    public String getModelProject() { return modelProject; }

    @DataBoundSetter
    public void setModelProject(String v) { this.modelProject = Util.fixEmptyAndTrim(v); }

    public String getModelWorkloadIdentityProvider() { return modelWorkloadIdentityProvider; }

    @DataBoundSetter
    public void setModelWorkloadIdentityProvider(String v) { this.modelWorkloadIdentityProvider = Util.fixEmptyAndTrim(v); }

    public String getModelServiceAccount() { return modelServiceAccount; }

    @DataBoundSetter
    public void setModelServiceAccount(String v) { this.modelServiceAccount = Util.fixEmptyAndTrim(v); }

    public String getModelTenantId() { return modelTenantId; }

    @DataBoundSetter
    public void setModelTenantId(String v) { this.modelTenantId = Util.fixEmptyAndTrim(v); }

    public String getModelClientId() { return modelClientId; }

    @DataBoundSetter
    public void setModelClientId(String v) { this.modelClientId = Util.fixEmptyAndTrim(v); }

    public String getModelTokenCredentialsId() { return modelTokenCredentialsId; }

    @DataBoundSetter
    public void setModelTokenCredentialsId(String v) { this.modelTokenCredentialsId = Util.fixEmptyAndTrim(v); }

    /** pr-open and pr-merge: github or gitlab, its API URL, the project (owner/name), a secret text token, the request's number. */
    public String getForge() { return forge; }

    @DataBoundSetter
    public void setForge(String forge) { this.forge = Util.fixEmptyAndTrim(forge); }

    public String getForgeApi() { return forgeApi; }

    @DataBoundSetter
    public void setForgeApi(String forgeApi) { this.forgeApi = Util.fixEmptyAndTrim(forgeApi); }

    public String getProject() { return project; }

    @DataBoundSetter
    public void setProject(String project) { this.project = Util.fixEmptyAndTrim(project); }

    public String getForgeCredentialsId() { return forgeCredentialsId; }

    @DataBoundSetter
    public void setForgeCredentialsId(String forgeCredentialsId) { this.forgeCredentialsId = Util.fixEmptyAndTrim(forgeCredentialsId); }

    public String getNumber() { return number; }

    @DataBoundSetter
    public void setNumber(String number) { this.number = Util.fixEmptyAndTrim(number); }

    public String getPush() { return push; }

    @DataBoundSetter
    public void setPush(String push) {
        this.push = Util.fixEmptyAndTrim(push);
    }

    public String getGitCredentialsId() { return gitCredentialsId; }

    /** The credentials pushes use, as the git plugin's checkout takes them: username/password (token) or SSH key. */
    @DataBoundSetter
    public void setGitCredentialsId(String gitCredentialsId) {
        this.gitCredentialsId = Util.fixEmptyAndTrim(gitCredentialsId);
    }

    public String getKnownHosts() { return knownHosts; }

    /** For SSH remotes: the known_hosts file on the node the server's key must be in (default ~/.ssh/known_hosts). */
    @DataBoundSetter
    public void setKnownHosts(String knownHosts) {
        this.knownHosts = Util.fixEmptyAndTrim(knownHosts);
    }

    public String getModelProvider() { return modelProvider; }

    @DataBoundSetter
    public void setModelProvider(String modelProvider) {
        this.modelProvider = Util.fixEmptyAndTrim(modelProvider);
    }

    public String getModelUrl() { return modelUrl; }

    /** The model API's base URL (a company gateway, a self-hosted model); default: the provider's public API. */
    @DataBoundSetter
    public void setModelUrl(String modelUrl) {
        this.modelUrl = Util.fixEmptyAndTrim(modelUrl);
    }

    public String getBackend() { return backend; }

    /** Where the sandboxes run: docker (the default) or kubernetes (the agent's cluster credentials). */
    @DataBoundSetter
    public void setBackend(String backend) {
        this.backend = Util.fixEmptyAndTrim(backend);
    }

    public String getModelCredentialsId() { return modelCredentialsId; }

    /** A secret text holding the model key; the proxy on the node injects it, the agent never sees it. */
    @DataBoundSetter
    public void setModelCredentialsId(String modelCredentialsId) {
        this.modelCredentialsId = Util.fixEmptyAndTrim(modelCredentialsId);
    }

    public String getModelKeyVariable() { return modelKeyVariable; }

    /** The NAME of the environment variable (bound by withCredentials) that holds the model key. */
    @DataBoundSetter
    public void setModelKeyVariable(String modelKeyVariable) {
        this.modelKeyVariable = Util.fixEmptyAndTrim(modelKeyVariable);
    }

    public String getJdk() { return jdk; }

    /** A JDK tool (17 or later) to run the CLI with; default: $JAVA_HOME, else java on the PATH. */
    @DataBoundSetter
    public void setJdk(String jdk) {
        this.jdk = Util.fixEmptyAndTrim(jdk);
    }

    public boolean isReturnStatus() { return returnStatus; }

    /** Return the result when the gates fail (exitCode 1) instead of failing the step; errors still fail it. */
    @DataBoundSetter
    public void setReturnStatus(boolean returnStatus) {
        this.returnStatus = returnStatus;
    }

    public String getBy() { return by; }

    /** reject without a rejection on the page: who decided, recorded as given; approve takes the page's authenticated users. */
    @DataBoundSetter
    public void setBy(String by) {
        this.by = Util.fixEmptyAndTrim(by);
    }

    public String getComment() { return comment; }

    @DataBoundSetter
    public void setComment(String comment) {
        this.comment = Util.fixEmpty(comment);
    }

    @Override
    public StepExecution start(StepContext context) {
        return new AgentSandboxExecution(this, context);
    }

    @Extension
    public static final class DescriptorImpl extends StepFormDescriptor {
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
            return Set.of(Run.class, FilePath.class, Launcher.class, TaskListener.class, EnvVars.class, FlowNode.class);
        }

    }
}
