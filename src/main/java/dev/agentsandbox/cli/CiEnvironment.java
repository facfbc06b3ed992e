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
}
