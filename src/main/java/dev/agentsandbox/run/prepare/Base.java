package dev.agentsandbox.run.prepare;

import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;

/**
 * The base of a run: a branch and the commit it pointed to when the run began. The run reads
 * that commit and nothing else; the branch is never written.
 *
 * @param branch short branch name, or null for a detached HEAD
 * @param commit the base commit
 */
public record Base(String branch, ObjectId commit) {
    public static Base resolve(Repository repo, String branch) throws UsageException {
        return resolve(repo, branch, null);
    }

    /**
     * @param branch the base branch asked for (--base): a local branch, else a remote-tracking one
     *               (origin's first), as a CI checkout has only those
     * @param ciBranch the branch the CI says it checked out, for a detached HEAD; null when none
     */
    public static Base resolve(Repository repo, String branch, String ciBranch) throws UsageException {
        try {
            if (branch != null) {
                Ref ref = branchRef(repo, branch);
                if (ref == null || ref.getObjectId() == null) {
                    throw new UsageException("base branch '" + branch + "' does not exist in " + repo.getDirectory()
                            + " (no local branch, no remote-tracking branch): fetch it, or give --base an existing branch");
                }
                return new Base(branch, ref.getObjectId());
            }
            Ref head = repo.exactRef(Constants.HEAD);
            if (head == null || head.getObjectId() == null) {
                throw new UsageException("the repository has no commit to start from (HEAD is unborn): commit something first");
            }
            String name = head.isSymbolic() ? Repository.shortenRefName(head.getTarget().getName()) : null;
            if (name == null && ciBranch != null && Repository.isValidRefName(Constants.R_HEADS + ciBranch)) {
                // A CI checkout: the commit the CI checked out, on the branch it names.
                name = ciBranch;
            }
            return new Base(name, head.getObjectId());
        } catch (IOException e) {
            throw new UsageException("cannot read the base branch: " + e.getMessage(), e);
        }
    }

    private static Ref branchRef(Repository repo, String branch) throws IOException {
        Ref local = repo.exactRef(Constants.R_HEADS + branch);
        if (local != null) {
            return local;
        }
        Ref origin = repo.exactRef(Constants.R_REMOTES + "origin/" + branch);
        if (origin != null) {
            return origin;
        }
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_REMOTES)) {
            String rest = r.getName().substring(Constants.R_REMOTES.length()); // <remote>/<branch>
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.substring(slash + 1).equals(branch)) {
                return r;
            }
        }
        return null;
    }

    public String describe() {
        return (branch == null ? "detached HEAD" : branch) + " @ " + commit.abbreviate(12).name();
    }
}
