package dev.agentsandbox.git;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import java.io.IOException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ThreeWayMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Computes what the target branch becomes when an approved commit lands: the commit itself
 * (fast-forward) or a merge commit made in memory. It writes no ref and no working tree.
 */
public final class BranchMerger {
    public enum Strategy { FAST_FORWARD, MERGE }

    private final Repository repo;

    public BranchMerger(Repository repo) {
        this.repo = repo;
    }

    public ObjectId merge(ObjectId target, ObjectId approved, Strategy strategy, String message, PersonIdent who)
            throws RefusedException, InfrastructureException {
        try (RevWalk rw = new RevWalk(repo); ObjectInserter inserter = repo.newObjectInserter()) {
            RevCommit t = rw.parseCommit(target);
            RevCommit a = rw.parseCommit(approved);
            if (rw.isMergedInto(a, t)) {
                throw new RefusedException("the approved commit " + a.abbreviate(12).name() + " is already in the target branch");
            }
            if (rw.isMergedInto(t, a)) {
                if (strategy == Strategy.FAST_FORWARD) {
                    return a;
                }
            } else if (strategy == Strategy.FAST_FORWARD) {
                throw new RefusedException("the target branch moved since the run (it is now at " + t.abbreviate(12).name()
                        + "): a fast-forward is not possible; run the agent again on the new base, or set merge.strategy: merge");
            }
            ThreeWayMerger m = MergeStrategy.RECURSIVE.newMerger(repo, true);
            if (!m.merge(t, a)) {
                throw new RefusedException("the approved change conflicts with the target branch: run the agent again on the new base");
            }
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(m.getResultTreeId());
            cb.setParentIds(t, a);
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage(message);
            ObjectId id = inserter.insert(cb);
            inserter.flush();
            return id;
        } catch (IOException e) {
            throw new InfrastructureException("cannot merge: " + e.getMessage(), e);
        }
    }
}
