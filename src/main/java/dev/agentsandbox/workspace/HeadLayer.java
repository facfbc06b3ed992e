package dev.agentsandbox.workspace;

import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The committed head tree as a layer to stack over the base's shared export, written from git
 * (never from what the agent left): the files the change adds or modifies, and, where it deletes,
 * the whole head content of the nearest folder that remains, marked opaque so that nothing of the
 * base shows through beneath it. Writing a whiteout needs a device node (root's privilege); an
 * opaque folder needs only an extended attribute. overlayfs ignores the mark on a layer's root, so
 * a deletion at the top level makes the layer the whole head tree, used alone.
 *
 * @param dir the layer
 * @param whole whether it holds the whole head tree (no base beneath it)
 * @param files how many files it holds
 */
public record HeadLayer(Path dir, boolean whole, int files) {
    /** The mark overlayfs reads (as {@code user.overlay.opaque} with its {@code userxattr} option). */
    static final String OPAQUE = "overlay.opaque";

    public static HeadLayer build(Repository repo, ObjectId head, List<FileChange> change, Path dir, Clock clock)
            throws InfrastructureException {
        if (change.isEmpty()) {
            throw new IllegalArgumentException("an unchanged head is the base itself: no layer to write");
        }
        Set<String> opaque = new TreeSet<>();
        Set<String> written = new TreeSet<>();
        boolean whole = false;
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            BaseTree tree = new BaseTree(reader, rw.parseCommit(head).getTree());
            for (FileChange f : change) {
                if (f.kind() != FileChange.Kind.DELETED) {
                    written.add(f.path());
                    continue;
                }
                String folder = parent(f.path());
                while (!folder.isEmpty() && !tree.isFolder(folder)) {
                    folder = parent(folder);
                }
                if (folder.isEmpty()) {
                    whole = true;
                    break;
                }
                opaque.add(folder);
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the head commit " + head.name() + ": " + e.getMessage(), e);
        }
        TreeFilter filter = TreeFilter.ALL;
        if (!whole) {
            written.addAll(opaque);
            filter = PathFilterGroup.createFromStrings(written);
        }
        int files = new WorkspaceExporter(clock).export(repo, head, dir, filter).entries().size();
        if (!whole) {
            for (String folder : opaque) {
                markOpaque(dir.resolve(folder));
            }
        }
        return new HeadLayer(dir, whole, files);
    }

    private static void markOpaque(Path folder) throws InfrastructureException {
        try {
            if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(folder); // a folder of the head holding only empty trees
            }
            UserDefinedFileAttributeView v = Files.getFileAttributeView(folder, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            v.write(OPAQUE, ByteBuffer.wrap("y".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException | UnsupportedOperationException e) {
            throw new InfrastructureException("cannot mark " + folder + " opaque for the checks' overlay (user extended attributes): "
                    + e.getMessage(), e);
        }
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
