package dev.agentsandbox.git;

import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.workspace.Collected;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Commits a collected change onto a NEW feature branch, with JGit's object-level API only: no
 * working tree, no index of the user's checkout, no hooks, no filters, no attributes. The base
 * branch is never written: the only ref update creates the feature branch, and it fails if that
 * branch already exists.
 */
public final class ChangeCommitter {
    /** The trailer naming the run in every commit the tool makes. */
    public static final String TRAILER = "Agent-Sandbox-Run";

    private final Repository repo;

    public ChangeCommitter(Repository repo) {
        this.repo = repo;
    }

    public ObjectId commit(ObjectId base, Collected collected, String branch, PersonIdent author, PersonIdent committer,
                           String message, String runId) throws InfrastructureException, RefusedException {
        return commit(base, collected, branch, author, committer, message, runId, null);
    }

    /** @param signing the key that signs the commit (SSH), or null: unsigned */
    public ObjectId commit(ObjectId base, Collected collected, String branch, PersonIdent author, PersonIdent committer,
                           String message, String runId, CommitSigning signing) throws InfrastructureException, RefusedException {
        if (collected.refused()) {
            throw new RefusedException("the change was refused by the collector; nothing is committed");
        }
        try (ObjectInserter inserter = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            List<TreeEdits.Edit> edits = new ArrayList<>();
            for (FileChange f : collected.change().files()) {
                edits.add(f.kind() == FileChange.Kind.DELETED ? TreeEdits.Edit.delete(f.path())
                        : new TreeEdits.Edit(f.path(), insertBlob(inserter, collected.headFiles().get(f.path()), f.newMode()), f.newMode()));
            }
            ObjectId tree = TreeEdits.apply(reader, inserter, rw.parseCommit(base).getTree(), edits);
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tree);
            cb.setParentId(base);
            cb.setAuthor(author);
            cb.setCommitter(committer);
            cb.setEncoding(StandardCharsets.UTF_8);
            cb.setMessage(message(message, runId));
            if (signing != null) {
                signing.sign(repo, cb, committer);
            }
            ObjectId commit = inserter.insert(cb);
            inserter.flush();
            RefUpdate ru = repo.updateRef(Constants.R_HEADS + branch);
            ru.setExpectedOldObjectId(ObjectId.zeroId());
            ru.setNewObjectId(commit);
            ru.setRefLogMessage("agent-sandbox: run " + runId, false);
            RefUpdate.Result r = ru.update(rw);
            if (r != RefUpdate.Result.NEW) {
                throw new RefusedException("cannot create branch " + branch + " (" + r + "): it exists already or is locked");
            }
            return commit;
        } catch (IOException e) {
            throw new InfrastructureException("cannot commit the change: " + e.getMessage(), e);
        }
    }

    /** Deletes the feature branch of a run that failed after committing, if it still points at that commit. */
    public static void undo(Repository repo, String branch, ObjectId commit) {
        try {
            RefUpdate ru = repo.updateRef(Constants.R_HEADS + branch);
            ru.setExpectedOldObjectId(commit);
            ru.setForceUpdate(true);
            ru.delete();
        } catch (IOException | RuntimeException e) {
            System.err.println("agent-sandbox: could not remove branch " + branch + " of the failed run: " + e.getMessage());
        }
    }

    static String message(String task, String runId) {
        String subject = task.strip().lines().findFirst().orElse("agent change").strip();
        if (subject.length() > 72) {
            subject = subject.substring(0, 69) + "...";
        }
        return "agent: " + subject + "\n\n" + TRAILER + ": " + runId + "\n";
    }

    private static ObjectId insertBlob(ObjectInserter inserter, Path file, int mode) throws IOException {
        if (mode == FileMode.SYMLINK.getBits()) {
            return inserter.insert(Constants.OBJ_BLOB, Files.readSymbolicLink(file).toString().getBytes(StandardCharsets.UTF_8));
        }
        try (InputStream in = Files.newInputStream(file)) {
            return inserter.insert(Constants.OBJ_BLOB, Files.size(file), in);
        }
    }
}
