package io.jenkins.plugins.agentsandbox;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.Item;
import hudson.model.JDK;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code agentSandbox task: '…', image: '…', command: '…'}: runs the agent in a gVisor sandbox on
 * the workspace's repository, commits its change on a feature branch, runs the gates, archives the
 * run's bundle with the build, and returns the result (runId, branch, headCommit, verdict,
 * reviewUrl, bundle, reports, exitCode). {@code action: 'approve'} records the user who answered
 * the {@code input} about that commit; {@code action: 'merge'} lands exactly the approved commit.
 * Only parameter binding lives here; the work is the CLI's, launched on the agent node.
 */
public final class AgentSandboxStep extends Step {
    static final List<String> ACTIONS = List.of("run", "approve", "reject", "merge");
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
    private String modelCredentialsId;
    private String modelKeyVariable;
    private String jdk;
    private boolean returnStatus;
    private String by;
    private String comment;

    @DataBoundConstructor
    public AgentSandboxStep() {
    }

    public String getTask() {
        return task;
    }

    /** The task for run; approve, reject and merge take none. */
    @DataBoundSetter
    public void setTask(String task) {
        this.task = Util.fixEmptyAndTrim(task) == null ? null : task;
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

    /** Where a person asked for the run (a trigger.json of `agent-sandbox trigger`, in the workspace); its author is the requester. */
    public String getTrigger() {
        return trigger;
    }

    @DataBoundSetter
    public void setTrigger(String trigger) {
        this.trigger = Util.fixEmptyAndTrim(trigger);
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

    /** The bundle folder in the workspace; default: one per build and step (agent-sandbox-runs/BUILD-NODE). */
    @DataBoundSetter
    public void setBundle(String bundle) {
        this.bundle = Util.fixEmptyAndTrim(bundle);
    }

    public String getSigningKey() {
        return signingKey;
    }

    /** A path on the node to the Ed25519 private key (prefer signingKeyCredentialsId). */
    @DataBoundSetter
    public void setSigningKey(String signingKey) {
        this.signingKey = Util.fixEmptyAndTrim(signingKey);
    }

    public String getSigningKeyCredentialsId() {
        return signingKeyCredentialsId;
    }

    /** A secret file (or secret text) holding the Ed25519 private key in PEM. */
    @DataBoundSetter
    public void setSigningKeyCredentialsId(String signingKeyCredentialsId) {
        this.signingKeyCredentialsId = Util.fixEmptyAndTrim(signingKeyCredentialsId);
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

    public String getCommitKeyCredentialsId() {
        return commitKeyCredentialsId;
    }

    /** An SSH private key (no passphrase) that signs the agent's commit. */
    @DataBoundSetter
    public void setCommitKeyCredentialsId(String commitKeyCredentialsId) {
        this.commitKeyCredentialsId = Util.fixEmptyAndTrim(commitKeyCredentialsId);
    }

    public String getPush() {
        return push;
    }

    @DataBoundSetter
    public void setPush(String push) {
        this.push = Util.fixEmptyAndTrim(push);
    }

    public String getGitCredentialsId() {
        return gitCredentialsId;
    }

    /** The credentials pushes use, as the git plugin's checkout takes them: username/password (token) or SSH key. */
    @DataBoundSetter
    public void setGitCredentialsId(String gitCredentialsId) {
        this.gitCredentialsId = Util.fixEmptyAndTrim(gitCredentialsId);
    }

    public String getKnownHosts() {
        return knownHosts;
    }

    /** For SSH remotes: the known_hosts file on the node the server's key must be in (default ~/.ssh/known_hosts). */
    @DataBoundSetter
    public void setKnownHosts(String knownHosts) {
        this.knownHosts = Util.fixEmptyAndTrim(knownHosts);
    }

    public String getModelProvider() {
        return modelProvider;
    }

    @DataBoundSetter
    public void setModelProvider(String modelProvider) {
        this.modelProvider = Util.fixEmptyAndTrim(modelProvider);
    }

    public String getModelCredentialsId() {
        return modelCredentialsId;
    }

    /** A secret text holding the model key; the proxy on the node injects it, the agent never sees it. */
    @DataBoundSetter
    public void setModelCredentialsId(String modelCredentialsId) {
        this.modelCredentialsId = Util.fixEmptyAndTrim(modelCredentialsId);
    }

    public String getModelKeyVariable() {
        return modelKeyVariable;
    }

    /** The NAME of the environment variable (bound by withCredentials) that holds the model key. */
    @DataBoundSetter
    public void setModelKeyVariable(String modelKeyVariable) {
        this.modelKeyVariable = Util.fixEmptyAndTrim(modelKeyVariable);
    }

    public String getJdk() {
        return jdk;
    }

    /** A JDK tool (17 or later) to run the CLI with; default: $JAVA_HOME, else java on the PATH. */
    @DataBoundSetter
    public void setJdk(String jdk) {
        this.jdk = Util.fixEmptyAndTrim(jdk);
    }

    public boolean isReturnStatus() {
        return returnStatus;
    }

    /** Return the result when the gates fail (exitCode 1) instead of failing the step; errors still fail it. */
    @DataBoundSetter
    public void setReturnStatus(boolean returnStatus) {
        this.returnStatus = returnStatus;
    }

    public String getBy() {
        return by;
    }

    /** reject: who decided, recorded as given (a rejection lands nothing); approve takes the input's authenticated user. */
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
            return Set.of(Run.class, FilePath.class, Launcher.class, TaskListener.class, EnvVars.class, FlowNode.class);
        }

        public ListBoxModel doFillActionItems() {
            ListBoxModel m = new ListBoxModel();
            ACTIONS.forEach(m::add);
            return m;
        }

        @POST
        public FormValidation doCheckAction(@AncestorInPath Item item, @QueryParameter String value) {
            if (!mayConfigure(item)) {
                return FormValidation.ok();
            }
            String v = Util.fixEmptyAndTrim(value);
            return v == null || ACTIONS.contains(v) ? FormValidation.ok() : FormValidation.error("Use one of " + String.join(", ", ACTIONS));
        }

        public ListBoxModel doFillTierItems() {
            ListBoxModel m = new ListBoxModel();
            m.add("(the configuration's, else gvisor)", "");
            TIERS.forEach(m::add);
            return m;
        }

        @POST
        public FormValidation doCheckTier(@AncestorInPath Item item, @QueryParameter String value) {
            if (!mayConfigure(item)) {
                return FormValidation.ok();
            }
            String v = Util.fixEmptyAndTrim(value);
            if (v == null || v.equals("gvisor") || v.equals("microvm")) {
                return FormValidation.ok();
            }
            return TIERS.contains(v)
                    ? FormValidation.warning("The container tier shares the host's kernel: only for agents you trust, never for untrusted tasks")
                    : FormValidation.error("Use one of " + String.join(", ", TIERS));
        }

        @POST
        public FormValidation doCheckTask(@AncestorInPath Item item, @QueryParameter String value, @QueryParameter String action) {
            if (!mayConfigure(item)) {
                return FormValidation.ok();
            }
            String a = Util.fixEmptyAndTrim(action);
            return (a == null || a.equals("run")) && Util.fixEmptyAndTrim(value) == null
                    ? FormValidation.error("Say what the agent should do") : FormValidation.ok();
        }

        @POST
        public ListBoxModel doFillJdkItems(@AncestorInPath Item item) {
            ListBoxModel m = new ListBoxModel();
            m.add("($JAVA_HOME, else java on the PATH)", "");
            if (!mayConfigure(item)) {
                return m; // the controller's tool names are configuration, shown to who may configure
            }
            for (JDK j : Jenkins.get().getJDKs()) {
                m.add(j.getName());
            }
            return m;
        }

        public ListBoxModel doFillModelCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String modelCredentialsId) {
            return credentials(item, modelCredentialsId, CredentialsMatchers.instanceOf(StringCredentials.class));
        }

        public ListBoxModel doFillSigningKeyCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String signingKeyCredentialsId) {
            return credentials(item, signingKeyCredentialsId, CredentialsMatchers.anyOf(
                    CredentialsMatchers.instanceOf(FileCredentials.class), CredentialsMatchers.instanceOf(StringCredentials.class)));
        }

        public ListBoxModel doFillCommitKeyCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String commitKeyCredentialsId) {
            return credentials(item, commitKeyCredentialsId, CredentialsMatchers.instanceOf(SSHUserPrivateKey.class));
        }

        public ListBoxModel doFillGitCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String gitCredentialsId) {
            return credentials(item, gitCredentialsId, CredentialsMatchers.anyOf(
                    CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class), CredentialsMatchers.instanceOf(SSHUserPrivateKey.class)));
        }

        /** Who may see the form's answers: the item's configurers, or administrators outside an item (the Snippet Generator's global page). */
        private static boolean mayConfigure(Item item) {
            return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER) : item.hasPermission(Item.CONFIGURE);
        }

        @POST
        public FormValidation doCheckModelCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return checkCredentials(item, value, CredentialsMatchers.instanceOf(StringCredentials.class), "a secret text");
        }

        @POST
        public FormValidation doCheckSigningKeyCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return checkCredentials(item, value, CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(FileCredentials.class),
                    CredentialsMatchers.instanceOf(StringCredentials.class)), "a secret file or secret text");
        }

        @POST
        public FormValidation doCheckCommitKeyCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return checkCredentials(item, value, CredentialsMatchers.instanceOf(SSHUserPrivateKey.class), "an SSH private key");
        }

        @POST
        public FormValidation doCheckGitCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return checkCredentials(item, value, CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class),
                    CredentialsMatchers.instanceOf(SSHUserPrivateKey.class)), "a username with password or an SSH private key");
        }

        /** The credentials-plugin consumer pattern for validation: nothing is said to who may not see the item's credentials. */
        private static FormValidation checkCredentials(Item item, String value, CredentialsMatcher matcher, String kind) {
            String id = Util.fixEmptyAndTrim(value);
            if (id == null || (item == null ? !Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                    : !item.hasPermission(Item.EXTENDED_READ) && !item.hasPermission(CredentialsProvider.USE_ITEM))) {
                return FormValidation.ok();
            }
            if (id.contains("${")) {
                return FormValidation.warning("An expression: the credentials are looked up when the build runs");
            }
            ListBoxModel visible = new StandardListBoxModel().includeMatchingAs(authentication(item), item, StandardCredentials.class,
                    Collections.emptyList(), matcher);
            return visible.stream().anyMatch(o -> id.equals(o.value)) ? FormValidation.ok()
                    : FormValidation.error("No credentials '" + id + "' that are " + kind + " are visible to this job");
        }

        /** The job's own authentication (as the build will look credentials up), not SYSTEM's, which sees more than the job may use. */
        private static org.springframework.security.core.Authentication authentication(Item item) {
            return item instanceof hudson.model.Queue.Task t ? hudson.model.queue.Tasks.getAuthenticationOf2(t) : ACL.SYSTEM2;
        }

        /** The credentials-plugin consumer pattern: only those who may configure or use the item see the list. */
        private static ListBoxModel credentials(Item item, String current, CredentialsMatcher matcher) {
            StandardListBoxModel result = new StandardListBoxModel();
            String value = current == null ? "" : current;
            if (item == null ? !Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                    : !item.hasPermission(Item.EXTENDED_READ) && !item.hasPermission(CredentialsProvider.USE_ITEM)) {
                result.includeCurrentValue(value);
                return result;
            }
            result.includeEmptyValue()
                    .includeMatchingAs(authentication(item), item, StandardCredentials.class, Collections.emptyList(), matcher)
                    .includeCurrentValue(value);
            return result;
        }
    }
}
