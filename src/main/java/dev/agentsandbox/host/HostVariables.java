package dev.agentsandbox.host;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every host environment variable the CLI reads, named once (constants, so that options' help can
 * quote them), with what it sets: the CLI's help lists them and the README's tables name them.
 * The variables a sandbox is given (AGENT_SANDBOX_URL, AGENT_SANDBOX_PROXY_URL, AGENT_SANDBOX_MODE)
 * are not the host's and are not here.
 */
public final class HostVariables {
    public static final String BACKEND = "AGENT_SANDBOX_BACKEND";
    public static final String WORKSPACE = "AGENT_SANDBOX_WORKSPACE";
    public static final String SCRATCH = "AGENT_SANDBOX_SCRATCH";
    public static final String SIGNING_KEY = "AGENT_SANDBOX_SIGNING_KEY";
    public static final String PUBLIC_KEY = "AGENT_SANDBOX_PUBLIC_KEY";
    public static final String COMMIT_KEY = "AGENT_SANDBOX_COMMIT_KEY";
    public static final String ORG_POLICY = "AGENT_SANDBOX_ORG_POLICY";
    public static final String OSV_URL = "AGENT_SANDBOX_OSV_URL";
    public static final String GIT_TOKEN = "AGENT_SANDBOX_GIT_TOKEN";
    public static final String GIT_USER = "AGENT_SANDBOX_GIT_USER";
    public static final String GIT_SSH_KEY = "AGENT_SANDBOX_GIT_SSH_KEY";
    public static final String GIT_SSH_PASSPHRASE = "AGENT_SANDBOX_GIT_SSH_PASSPHRASE";
    public static final String GIT_KNOWN_HOSTS = "AGENT_SANDBOX_GIT_KNOWN_HOSTS";
    public static final String FORGE_TOKEN = "AGENT_SANDBOX_FORGE_TOKEN";
    public static final String GITLAB_TOKEN = "AGENT_SANDBOX_GITLAB_TOKEN";
    public static final String DEBUG = "AGENT_SANDBOX_DEBUG";
    public static final String KEY_CHECK = "AGENT_SANDBOX_KEY_CHECK";
    public static final String K8S_NAMESPACE = "AGENT_SANDBOX_K8S_NAMESPACE";
    public static final String K8S_RUNTIME_CLASS = "AGENT_SANDBOX_K8S_RUNTIME_CLASS";
    public static final String K8S_MICROVM_RUNTIME_CLASS = "AGENT_SANDBOX_K8S_MICROVM_RUNTIME_CLASS";
    public static final String K8S_IMAGE_PULL_POLICY = "AGENT_SANDBOX_K8S_IMAGE_PULL_POLICY";
    public static final String K8S_IMAGE_PULL_SECRETS = "AGENT_SANDBOX_K8S_IMAGE_PULL_SECRETS";
    public static final String K8S_OWNER_POD = "AGENT_SANDBOX_K8S_OWNER_POD";
    public static final String K8S_WARM_POOL = "AGENT_SANDBOX_K8S_WARM_POOL";
    public static final String K8S_EGRESS_ENFORCED_BY = "AGENT_SANDBOX_K8S_EGRESS_ENFORCED_BY";
    public static final String K8S_NODE_SELECTOR = "AGENT_SANDBOX_K8S_NODE_SELECTOR";
    public static final String K8S_TOLERATIONS = "AGENT_SANDBOX_K8S_TOLERATIONS";
    public static final String K8S_PRIORITY_CLASS = "AGENT_SANDBOX_K8S_PRIORITY_CLASS";
    public static final String K8S_DISK = "AGENT_SANDBOX_K8S_DISK";

    private HostVariables() {
    }

    /** Each variable with what it sets, in the order help lists them. */
    public static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(BACKEND, "where sandboxes run: docker or kubernetes (--backend)");
        m.put(WORKSPACE, "the agent's workspace: auto, overlay, export or copy (--workspace)");
        m.put(SCRATCH, "the folder for runs' temporary files and shared exports");
        m.put(SIGNING_KEY, "the Ed25519 key file that signs attestations (--signing-key)");
        m.put(PUBLIC_KEY, "the public key decisions and merges pin (--key)");
        m.put(COMMIT_KEY, "an SSH key file that signs the agent's commit (--commit-key)");
        m.put(ORG_POLICY, "the organisation's data-class policy file (--org-policy)");
        m.put(OSV_URL, "an OSV API (or a local export) for the dependency gate's advisories");
        m.put(GIT_TOKEN, "a token for HTTPS pushes (user: " + GIT_USER + ")");
        m.put(GIT_USER, "the user for " + GIT_TOKEN + " (default x-access-token)");
        m.put(GIT_SSH_KEY, "a private key file for SSH pushes");
        m.put(GIT_SSH_PASSPHRASE, "its passphrase");
        m.put(GIT_KNOWN_HOSTS, "the known_hosts file SSH remotes are checked against");
        m.put(FORGE_TOKEN, "the token of `pr` (else GITHUB_TOKEN or GITLAB_TOKEN)");
        m.put(GITLAB_TOKEN, "the token `trigger gitlab` reads memberships with");
        m.put(DEBUG, "print stack traces of internal errors");
        m.put(KEY_CHECK, "off: no check of the model keys before the agent starts");
        m.put(K8S_NAMESPACE, "the namespace of the Kubernetes backend's pods");
        m.put(K8S_RUNTIME_CLASS, "the RuntimeClass of tier gvisor");
        m.put(K8S_MICROVM_RUNTIME_CLASS, "the RuntimeClass of tier microvm");
        m.put(K8S_IMAGE_PULL_POLICY, "the pods' image pull policy");
        m.put(K8S_IMAGE_PULL_SECRETS, "the pods' image pull secrets");
        m.put(K8S_OWNER_POD, "the pod that owns the sandboxes' pods (default $POD_NAME)");
        m.put(K8S_WARM_POOL, "a kubernetes-sigs/agent-sandbox warm pool to take pods from");
        m.put(K8S_EGRESS_ENFORCED_BY, "what enforces the pods' deny-all egress, for the network proof");
        m.put(K8S_NODE_SELECTOR, "the pods' node selector (key=value …)");
        m.put(K8S_TOLERATIONS, "the pods' tolerations");
        m.put(K8S_PRIORITY_CLASS, "the pods' priority class");
        m.put(K8S_DISK, "each pod's disk quota (default 4g)");
        return m;
    }
}
