package dev.agentsandbox.cli;

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
     * job's own token on GitHub ($GITHUB_TOKEN) or GitLab ($CI_JOB_TOKEN), else none (SSH and file remotes).
     */
    static dev.agentsandbox.git.GitCredentials gitCredentials(Map<String, String> env) {
        if (env.get("AGENT_SANDBOX_GIT_TOKEN") != null) {
            return new dev.agentsandbox.git.GitCredentials(env.getOrDefault("AGENT_SANDBOX_GIT_USER", "x-access-token"),
                    env.get("AGENT_SANDBOX_GIT_TOKEN"));
        }
        if (env.get("GITHUB_TOKEN") != null) {
            return new dev.agentsandbox.git.GitCredentials("x-access-token", env.get("GITHUB_TOKEN"));
        }
        if (env.get("CI_JOB_TOKEN") != null) {
            return new dev.agentsandbox.git.GitCredentials("gitlab-ci-token", env.get("CI_JOB_TOKEN"));
        }
        return dev.agentsandbox.git.GitCredentials.NONE;
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
