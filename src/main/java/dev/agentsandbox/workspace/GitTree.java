package dev.agentsandbox.workspace;

import dev.agentsandbox.change.Tree;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/** The regular files of one commit, read from the object database. */
public final class GitTree implements Tree {
    private final Repository repo;
    private final ObjectId commit;

    public GitTree(Repository repo, ObjectId commit) {
        this.repo = repo;
        this.commit = commit;
    }

    @Override
    public List<String> paths() throws IOException {
        return paths(name -> true);
    }

    @Override
    public List<String> paths(Predicate<String> nameFilter) throws IOException {
        List<String> out = new ArrayList<>();
        try (RevWalk rw = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.setRecursive(true);
            while (tw.next()) {
                if ((tw.getFileMode(0).getBits() & FileMode.TYPE_MASK) == FileMode.TYPE_FILE && nameFilter.test(tw.getNameString())) {
                    out.add(tw.getPathString());
                }
            }
        }
        return out;
    }

    @Override
    public String id() throws IOException {
        try (RevWalk rw = new RevWalk(repo)) {
            return rw.parseCommit(commit).getTree().name();
        }
    }

    @Override
    public Optional<byte[]> read(String path) throws IOException {
        try (RevWalk rw = new RevWalk(repo); TreeWalk tw = TreeWalk.forPath(repo, path, rw.parseCommit(commit).getTree())) {
            if (tw == null || (tw.getFileMode(0).getBits() & FileMode.TYPE_MASK) != FileMode.TYPE_FILE) {
                return Optional.empty();
            }
            return Optional.of(repo.open(tw.getObjectId(0)).getBytes());
        }
    }
}
