package dev.agentsandbox.testing;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.URIish;

/** A real git repository made from examples/sample-repo, with a bare remote as "origin". */
public final class SampleRepo {
    public final Path dir;
    public final Path remote;

    private SampleRepo(Path dir, Path remote) {
        this.dir = dir;
        this.remote = remote;
    }

    public static SampleRepo create(Path parent) throws IOException, GitAPIException {
        Path src = Path.of("examples/sample-repo").toAbsolutePath();
        Path dir = parent.resolve("repo");
        copy(src, dir);
        Path remote = parent.resolve("remote.git");
        Git.init().setBare(true).setDirectory(remote.toFile()).setInitialBranch("main").call().close();
        try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("sample").setAuthor("Dev", "dev@example.invalid").setCommitter("Dev", "dev@example.invalid")
                    .setSign(false).call();
            git.remoteAdd().setName("origin").setUri(new URIish(remote.toUri().toString())).call();
            git.push().setRemote("origin").add("main").call();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        return new SampleRepo(dir, remote);
    }

    public ObjectId head(String branch) throws IOException {
        try (Git git = Git.open(dir.toFile())) {
            var ref = git.getRepository().exactRef(Constants.R_HEADS + branch);
            return ref == null ? null : ref.getObjectId();
        }
    }

    /** The content of a file in a commit of this repository (the agent's commit, usually). */
    public String fileAt(String commit, String path) throws IOException {
        try (Git git = Git.open(dir.toFile()); org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(git.getRepository())) {
            var tw = org.eclipse.jgit.treewalk.TreeWalk.forPath(git.getRepository(), path, rw.parseCommit(ObjectId.fromString(commit)).getTree());
            if (tw == null) {
                throw new AssertionError(path + " is not in commit " + commit);
            }
            return new String(git.getRepository().open(tw.getObjectId(0)).getBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    public void commitFile(String path, String content, String message) throws IOException, GitAPIException {
        Files.createDirectories(dir.resolve(path).getParent());
        Files.writeString(dir.resolve(path), content);
        try (Git git = Git.open(dir.toFile())) {
            git.add().addFilepattern(path).call();
            git.commit().setMessage(message).setAuthor("Dev", "dev@example.invalid").setCommitter("Dev", "dev@example.invalid")
                    .setSign(false).call();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
