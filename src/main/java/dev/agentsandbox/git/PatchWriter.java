package dev.agentsandbox.git;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/** Writes the change between two commits as a git-compatible unified patch. */
public final class PatchWriter {
    private PatchWriter() {
    }

    public static void write(Repository repo, ObjectId base, ObjectId head, Path out) throws InfrastructureException {
        try (RevWalk rw = new RevWalk(repo); OutputStream os = Files.newOutputStream(out); DiffFormatter f = new DiffFormatter(os)) {
            f.setRepository(repo);
            f.setDetectRenames(false);
            f.setDiffAlgorithm(dev.agentsandbox.change.Content.diffAlgorithm()); // the collector's, whatever the repository's config says
            f.setBinaryFileThreshold(dev.agentsandbox.change.Content.MAX_TEXT_BYTES); // as the collector decides
            f.format(rw.parseCommit(base).getTree(), rw.parseCommit(head).getTree());
            f.flush();
        } catch (IOException e) {
            throw new InfrastructureException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
