package io.jenkins.plugins.agentsandbox;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.Util;
import hudson.model.Item;
import hudson.model.JDK;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * The Snippet Generator's form for {@code agentSandbox}: its choices and checks. Stapler finds these
 * methods on the step's descriptor, which extends this class.
 */
public abstract class StepFormDescriptor extends StepDescriptor {
    public ListBoxModel doFillActionItems() {
        ListBoxModel m = new ListBoxModel();
        AgentSandboxStep.ACTIONS.forEach(m::add);
        return m;
    }

    @POST
    public FormValidation doCheckAction(@AncestorInPath Item item, @QueryParameter String value) {
        if (!StepForm.mayConfigure(item)) {
            return FormValidation.ok();
        }
        String v = Util.fixEmptyAndTrim(value);
        return v == null || AgentSandboxStep.ACTIONS.contains(v) ? FormValidation.ok() : FormValidation.error("Use one of " + String.join(", ", AgentSandboxStep.ACTIONS));
    }

    public ListBoxModel doFillTierItems() {
        ListBoxModel m = new ListBoxModel();
        m.add("(the configuration's, else gvisor)", "");
        AgentSandboxStep.TIERS.forEach(m::add);
        return m;
    }

    @POST
    public FormValidation doCheckTier(@AncestorInPath Item item, @QueryParameter String value) {
        if (!StepForm.mayConfigure(item)) {
            return FormValidation.ok();
        }
        String v = Util.fixEmptyAndTrim(value);
        if (v == null || v.equals("gvisor") || v.equals("microvm")) {
            return FormValidation.ok();
        }
        return AgentSandboxStep.TIERS.contains(v)
                ? FormValidation.warning("The container tier shares the host's kernel: only for agents you trust, never for untrusted tasks")
                : FormValidation.error("Use one of " + String.join(", ", AgentSandboxStep.TIERS));
    }

    @POST
    public FormValidation doCheckTask(@AncestorInPath Item item, @QueryParameter String value, @QueryParameter String action) {
        if (!StepForm.mayConfigure(item)) {
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
        if (!StepForm.mayConfigure(item)) {
            return m; // the controller's tool names are configuration, shown to who may configure
        }
        for (JDK j : Jenkins.get().getJDKs()) {
            m.add(j.getName());
        }
        return m;
    }

    public ListBoxModel doFillModelCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String modelCredentialsId) {
        return StepForm.credentials(item, modelCredentialsId, CredentialsMatchers.instanceOf(StringCredentials.class));
    }

    public ListBoxModel doFillSigningKeyCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String signingKeyCredentialsId) {
        return StepForm.credentials(item, signingKeyCredentialsId, CredentialsMatchers.anyOf(
                CredentialsMatchers.instanceOf(FileCredentials.class), CredentialsMatchers.instanceOf(StringCredentials.class)));
    }

    public ListBoxModel doFillCommitKeyCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String commitKeyCredentialsId) {
        return StepForm.credentials(item, commitKeyCredentialsId, CredentialsMatchers.instanceOf(SSHUserPrivateKey.class));
    }

    public ListBoxModel doFillGitCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String gitCredentialsId) {
        return StepForm.credentials(item, gitCredentialsId, CredentialsMatchers.anyOf(
                CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class), CredentialsMatchers.instanceOf(SSHUserPrivateKey.class)));
    }

    public ListBoxModel doFillModelTokenCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String modelTokenCredentialsId) {
        return StepForm.credentials(item, modelTokenCredentialsId, CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(StringCredentials.class),
                CredentialsMatchers.instanceOf(FileCredentials.class)));
    }

    @POST
    public FormValidation doCheckModelTokenCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
        return StepForm.checkCredentials(item, value, CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(StringCredentials.class),
                CredentialsMatchers.instanceOf(FileCredentials.class)), "an OpenID Connect id token (a secret text or file)");
    }

    public ListBoxModel doFillForgeCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String forgeCredentialsId) {
        return StepForm.credentials(item, forgeCredentialsId, CredentialsMatchers.instanceOf(StringCredentials.class));
    }

    @POST
    public FormValidation doCheckForgeCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
        return StepForm.checkCredentials(item, value, CredentialsMatchers.instanceOf(StringCredentials.class), "a secret text");
    }

    public ListBoxModel doFillForgeItems() {
        ListBoxModel m = new ListBoxModel();
        m.add("(none)", "");
        m.add("github");
        m.add("gitlab");
        return m;
    }

    @POST
    public FormValidation doCheckModelCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
        return StepForm.checkCredentials(item, value, CredentialsMatchers.instanceOf(StringCredentials.class), "a secret text");
    }

    @POST
    public FormValidation doCheckSigningKeyCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
        return StepForm.checkCredentials(item, value, CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(FileCredentials.class),
                CredentialsMatchers.instanceOf(StringCredentials.class)), "a secret file or secret text");
    }

    @POST
    public FormValidation doCheckCommitKeyCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
        return StepForm.checkCredentials(item, value, CredentialsMatchers.instanceOf(SSHUserPrivateKey.class), "an SSH private key");
    }

    @POST
    public FormValidation doCheckGitCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
        return StepForm.checkCredentials(item, value, CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class),
                CredentialsMatchers.instanceOf(SSHUserPrivateKey.class)), "a username with password or an SSH private key");
    }
}
