package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's command line for one step: every value a separate argument (no shell), the task in a
 * file (no argument-length limit, nothing echoed), keys as paths to files.
 */
final class Arguments {
    private Arguments() {
    }

    /** What the execution prepared on the node for a run. */
    record RunInputs(String workspace, String bundle, String taskFile, String signingKey, String modelKeyFile, String commitKey,
            String requestedBy, String orgPolicy, String modelTokenFile) {
        RunInputs(String workspace, String bundle, String taskFile, String signingKey, String modelKeyFile, String commitKey,
                  String requestedBy, String orgPolicy) {
            this(workspace, bundle, taskFile, signingKey, modelKeyFile, commitKey, requestedBy, orgPolicy, null);
        }
    }

    static List<String> run(AgentSandboxStep s, RunInputs in) throws AbortException {
        if (s.getTask() == null) {
            throw new AbortException("agentSandbox: give the task (agentSandbox task: '…', image: '…', command: '…')");
        }
        if (s.getModelCredentialsId() != null && s.getModelKeyVariable() != null) {
            throw new AbortException("agentSandbox: give the model key once: modelCredentialsId or modelKeyVariable, not both");
        }
        List<String> a = new ArrayList<>(List.of("run", "--repo", in.workspace(), "--bundle", in.bundle(), "--task-file", in.taskFile()));
        add(a, "--image", s.getImage());
        add(a, "--command", s.getCommand());
        add(a, "--config", s.getConfig());
        add(a, "--tier", s.getTier());
        add(a, "--runtime", s.getRuntime());
        add(a, "--base", s.getBase());
        add(a, "--signing-key", in.signingKey());
        add(a, "--push", s.getPush());
        add(a, "--backend", s.getBackend());
        add(a, "--model-provider", s.getModelProvider());
        add(a, "--model-url", s.getModelUrl());
        add(a, "--model-key-file", in.modelKeyFile());
        add(a, "--model-key-env", s.getModelKeyVariable());
        add(a, "--model-region", s.getModelRegion());
        add(a, "--model-role-arn", s.getModelRoleArn());
        add(a, "--model-project", s.getModelProject());
        add(a, "--model-workload-identity-provider", s.getModelWorkloadIdentityProvider());
        add(a, "--model-service-account", s.getModelServiceAccount());
        add(a, "--model-tenant-id", s.getModelTenantId());
        add(a, "--model-client-id", s.getModelClientId());
        add(a, "--model-token-file", in.modelTokenFile());
        add(a, "--commit-key", in.commitKey());
        add(a, "--org-policy", in.orgPolicy()); // the controller's: Manage Jenkins > Agent sandbox
        if (s.getTrigger() != null) {
            add(a, "--trigger", s.getTrigger()); // who asked on the forge is the requester, not the build's user
        } else {
            add(a, "--requested-by", in.requestedBy());
        }
        return a;
    }

    /** {@code comment}: the one given on the build's page with the decision, else the step's. */
    static List<String> decide(AgentSandboxStep s, String decision, String bundle, String by, String comment, String signingKey) throws AbortException {
        List<String> a = new ArrayList<>(List.of(decision, "--run", bundle, "--by", by));
        add(a, "--comment", comment != null ? comment : s.getComment());
        add(a, "--key", requirePublicKey(s));
        add(a, "--signing-key", signingKey);
        return a;
    }

    static List<String> merge(AgentSandboxStep s, String bundle, String workspace, String signingKey) throws AbortException {
        List<String> a = new ArrayList<>(List.of("merge", "--run", bundle, "--repo", workspace));
        add(a, "--remote", s.getPush());
        add(a, "--key", requirePublicKey(s));
        add(a, "--signing-key", signingKey);
        return a;
    }

    /** pr-open: the feature branch pushed and a request opened on the forge, against the pinned key. */
    static List<String> prOpen(AgentSandboxStep s, String bundle, String workspace) throws AbortException {
        List<String> a = new ArrayList<>(List.of("pr", "open", "--run", bundle, "--key", requirePublicKey(s), "--repo", workspace));
        add(a, "--remote", s.getPush());
        return forge(s, a);
    }

    /** pr-merge: the request merged through the forge when its head is the run's approved commit. */
    static List<String> prMerge(AgentSandboxStep s, String bundle, String workspace, String number, String signingKey) throws AbortException {
        List<String> a = new ArrayList<>(List.of("pr", "merge", "--run", bundle, "--key", requirePublicKey(s), "--number", number,
                "--repo", workspace));
        add(a, "--remote", s.getPush());
        add(a, "--signing-key", signingKey);
        return forge(s, a);
    }

    /** The forge options; on Jenkins no CI variable says which forge, so it must be named. */
    private static List<String> forge(AgentSandboxStep s, List<String> a) throws AbortException {
        if (s.getForge() == null || !List.of("github", "gitlab").contains(s.getForge())) {
            throw new AbortException("agentSandbox(action: '" + s.getAction() + "') needs forge: 'github' or 'gitlab'");
        }
        if (s.getProject() == null) {
            throw new AbortException("agentSandbox(action: '" + s.getAction() + "') needs project: the repository on the forge"
                    + " (owner/name on GitHub, group/name on GitLab)");
        }
        if (s.getForgeCredentialsId() == null) {
            throw new AbortException("agentSandbox(action: '" + s.getAction() + "') needs forgeCredentialsId: a secret text with a token"
                    + " that may push branches and open and merge requests");
        }
        a.addAll(List.of("--forge", s.getForge(), "--project", s.getProject()));
        add(a, "--api", s.getForgeApi());
        return a;
    }

    /** verify: the audit chain, the signatures and every file, against the pinned key; the repository's records too. */
    static List<String> verify(AgentSandboxStep s, String bundle, String workspace) throws AbortException {
        List<String> a = new ArrayList<>(List.of("verify", "--run", bundle, "--key", requirePublicKey(s), "--repo", workspace));
        add(a, "--remote", s.getPush());
        return a;
    }

    /** Checked before anything runs: approve, reject, merge and verify pin the signing key. */
    static String requirePublicKey(AgentSandboxStep s) throws AbortException {
        if (s.getPublicKey() == null) {
            throw new AbortException("agentSandbox(action: '" + s.getAction() + "') needs publicKey: the public key of the signing key,"
                    + " which the decision and the merge pin (a key read from the bundle proves nothing about who signed)");
        }
        return s.getPublicKey();
    }

    private static void add(List<String> a, String option, String value) {
        if (value != null) {
            a.add(option);
            a.add(value);
        }
    }
}
