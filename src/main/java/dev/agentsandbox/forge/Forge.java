package dev.agentsandbox.forge;

import dev.agentsandbox.error.AgentSandboxException;
import java.util.List;

/**
 * A forge's change requests (GitHub pull requests, GitLab merge requests), as far as delivery
 * needs them: open one for the feature branch, read its head and its approvals, and merge it only
 * if its head is still the approved commit (the forge itself refuses otherwise).
 */
public interface Forge {
    /**
     * One change request.
     *
     * @param number its number (GitHub) or iid (GitLab)
     * @param url its page
     * @param headSha the commit its source branch points at now
     * @param targetBranch the branch it merges into
     * @param open whether it is still open
     */
    record ChangeRequest(String number, String url, String headSha, String targetBranch, boolean open) {
    }

    /**
     * One approval on the forge.
     *
     * @param user who approved, as the forge names them
     * @param commit the commit approved, when the forge says (GitHub's reviews do); null otherwise
     * @param submitted when (ISO-8601), when the forge says; null otherwise
     * @param distrust why the review cannot speak for the project (GitHub: not an owner, member or
     *                 collaborator, as anyone can review a public repository; GitLab: approvals kept when
     *                 commits are added), or null when it can
     * @param approved an approval; false: the reviewer's latest word asks for changes
     */
    record Review(String user, String commit, String submitted, String distrust, boolean approved) {
        public boolean trusted() {
            return distrust == null;
        }
    }

    /** The project as the forge's API names it (owner/name on GitHub; the id or group/name on GitLab). */
    String project();

    /** Whether every approval names the commit it approved: then one that names none does not count. */
    default boolean reviewsNameCommits() {
        return false;
    }

    /** "pull request" or "merge request", for messages. */
    String noun();

    ChangeRequest open(String sourceBranch, String targetBranch, String title, String body) throws AgentSandboxException;

    ChangeRequest get(String number) throws AgentSandboxException;

    /** The approvals that stand now (a later review by the same person replaces an earlier one). */
    List<Review> reviews(String number) throws AgentSandboxException;

    /** Merges when the head is {@code sha}; returns the commit that landed. */
    String merge(String number, String sha, String title) throws AgentSandboxException;
}
