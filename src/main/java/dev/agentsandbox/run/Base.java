package dev.agentsandbox.run;

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
        try {
            if (branch != null) {
                Ref ref = repo.exactRef(Constants.R_HEADS + branch);
                if (ref == null || ref.getObjectId() == null) {
                    throw new UsageException("base branch '" + branch + "' does not exist in " + repo.getDirectory());
                }
                return new Base(branch, ref.getObjectId());
            }
            Ref head = repo.exactRef(Constants.HEAD);
            if (head == null || head.getObjectId() == null) {
                throw new UsageException("the repository has no commit to start from (HEAD is unborn): commit something first");
            }
            String name = head.isSymbolic() ? Repository.shortenRefName(head.getTarget().getName()) : null;
            return new Base(name, head.getObjectId());
        } catch (IOException e) {
            throw new UsageException("cannot read the base branch: " + e.getMessage(), e);
        }
    }

    public String describe() {
        return (branch == null ? "detached HEAD" : branch) + " @ " + commit.abbreviate(12).name();
    }
}
