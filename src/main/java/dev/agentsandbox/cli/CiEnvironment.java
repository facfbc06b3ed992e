package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import java.util.Map;

/**
 * What the CI system says about the checkout, read once at the edge: CI jobs check out a commit,
 * not a branch (a detached HEAD), and name the branch in their own variables.
 */
final class CiEnvironment {
    private CiEnvironment() {
    }

    /** Who started the job, as the CI names its users, or null. */
    static String user(Map<String, String> env) {
        for (String name : new String[] {"GITLAB_USER_LOGIN", "GITHUB_ACTOR", "BUILD_USER_ID"}) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }

    /** The branch the CI checked out, or null when no CI variable names one. */
    static String branch(Map<String, String> env) {
        String ghRef = env.get("GITHUB_REF");
        if (ghRef != null && ghRef.startsWith("refs/heads/")) {
            return ghRef.substring("refs/heads/".length());
        }
        for (String name : new String[] {"GITHUB_HEAD_REF", "CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "BRANCH_NAME", "GIT_BRANCH"}) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                v = v.strip();
                return name.equals("GIT_BRANCH") ? v.replaceFirst("^(refs/heads/|refs/remotes/[^/]+/|origin/)", "") : v;
            }
        }
        return null;
    }

    /**
     * The credentials pushes use: $AGENT_SANDBOX_GIT_TOKEN (user $AGENT_SANDBOX_GIT_USER), else the
     * job's own token on GitHub ($GITHUB_TOKEN) or GitLab ($CI_JOB_TOKEN), else none; and for SSH
     * remotes the key $AGENT_SANDBOX_GIT_SSH_KEY (passphrase $AGENT_SANDBOX_GIT_SSH_PASSPHRASE), the
     * server's key checked against $AGENT_SANDBOX_GIT_KNOWN_HOSTS (default ~/.ssh/known_hosts).
     */
    static dev.agentsandbox.git.GitCredentials gitCredentials(Map<String, String> env) throws dev.agentsandbox.error.UsageException {
        String user = null;
        String token = null;
        if (env.get(HostVariables.GIT_TOKEN) != null) {
            user = env.getOrDefault(HostVariables.GIT_USER, "x-access-token");
            token = env.get(HostVariables.GIT_TOKEN);
        } else if (env.get("GITHUB_TOKEN") != null) {
            user = "x-access-token";
            token = env.get("GITHUB_TOKEN");
        } else if (env.get("CI_JOB_TOKEN") != null) {
            user = "gitlab-ci-token";
            token = env.get("CI_JOB_TOKEN");
        }
        dev.agentsandbox.git.GitCredentials.SshIdentity ssh = null;
        String key = env.get(HostVariables.GIT_SSH_KEY);
        if (key != null && !key.isBlank()) {
            String knownHosts = env.get(HostVariables.GIT_KNOWN_HOSTS);
            try {
                ssh = dev.agentsandbox.git.GitCredentials.sshIdentity(java.nio.file.Path.of(key), env.get(HostVariables.GIT_SSH_PASSPHRASE),
                        knownHosts != null ? java.nio.file.Path.of(knownHosts) : java.nio.file.Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"));
            } catch (IllegalArgumentException e) {
                throw new dev.agentsandbox.error.UsageException("AGENT_SANDBOX_GIT_SSH_KEY: " + e.getMessage());
            }
        }
        return new dev.agentsandbox.git.GitCredentials(user, token, ssh);
    }

    /** Where a reviewer finds the run: the CI job's page, or null (the review page in the bundle then). */
    static String reviewUrl(Map<String, String> env) {
        if (env.get("CI_JOB_URL") != null) {
            return env.get("CI_JOB_URL");
        }
        if (env.get("GITHUB_SERVER_URL") != null && env.get("GITHUB_REPOSITORY") != null && env.get("GITHUB_RUN_ID") != null) {
            return env.get("GITHUB_SERVER_URL") + "/" + env.get("GITHUB_REPOSITORY") + "/actions/runs/" + env.get("GITHUB_RUN_ID");
        }
        return env.get("BUILD_URL");
    }
}
