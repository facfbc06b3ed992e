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
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The committed head tree as a layer to stack over the base's shared export, written from git
 * (never from what the agent left): the files the change adds or modifies, and what hides the
 * base files it deletes. A deleted file is already hidden where the head has a file or a folder
 * at its path or above it (an upper non-folder hides all beneath; an upper folder hides a lower
 * file). Otherwise, below the nearest folder the head keeps, the highest path the head lost is
 * hidden by a whiteout (a 0:0 character device: root only), or else that folder is written whole
 * and marked opaque (an extended attribute any owner may set). overlayfs ignores the opaque mark
 * on a layer's root, so without whiteouts a deletion at the top level makes the layer the whole
 * head tree, used alone.
 *
 * @param dir the layer
 * @param whole whether it holds the whole head tree (no base beneath it)
 * @param files how many files it holds
 */
public record HeadLayer(Path dir, boolean whole, int files) {
    /** The mark overlayfs reads (as {@code user.overlay.opaque} with its {@code userxattr} option). */
    static final String OPAQUE = "overlay.opaque";

    /** Whether whiteouts are made (root); a test may turn them off to exercise the other way. */
    static final String WHITEOUTS = "agentsandbox.whiteouts";

    public static HeadLayer build(Repository repo, ObjectId head, List<FileChange> change, Path dir, Clock clock)
            throws InfrastructureException {
        if (WorkspaceExporter.ROOT && !"false".equals(System.getProperty(WHITEOUTS))) {
            HeadLayer layer = build(repo, head, change, dir, clock, true);
            if (layer != null) {
                return layer;
            }
            Folders.delete(dir); // root without the privilege to make device nodes (a user namespace)
        }
        return build(repo, head, change, dir, clock, false);
    }

    /** The layer, or null when whiteouts were asked for and could not be made. */
    static HeadLayer build(Repository repo, ObjectId head, List<FileChange> change, Path dir, Clock clock, boolean whiteouts)
            throws InfrastructureException {
        if (change.isEmpty()) {
            throw new IllegalArgumentException("an unchanged head is the base itself: no layer to write");
        }
        Set<String> written = new TreeSet<>();
        Set<String> opaque = new TreeSet<>();
        Set<String> gone = new TreeSet<>();
        boolean whole = false;
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            TreeLookup tree = new TreeLookup(reader, rw.parseCommit(head).getTree());
            for (FileChange f : change) {
                if (f.kind() != FileChange.Kind.DELETED) {
                    written.add(f.path());
                    continue;
                }
                String lost = f.path();
                if (tree.mode(lost) != null) {
                    continue; // the head has a folder there: written, it hides the base file
                }
                boolean covered = false;
                while (lost.indexOf('/') > 0) {
                    FileMode above = tree.mode(parent(lost));
                    if (above == FileMode.TREE) {
                        break; // the nearest folder the head keeps
                    }
                    if (above != null) {
                        covered = true; // a file of the head stands above: written, it hides all beneath
                        break;
                    }
                    lost = parent(lost);
                }
                if (covered) {
                    continue;
                }
                if (whiteouts) {
                    gone.add(lost);
                } else if (lost.indexOf('/') < 0) {
                    whole = true;
                } else {
                    opaque.add(parent(lost));
                }
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the head commit " + head.name() + ": " + e.getMessage(), e);
        }
        written.addAll(opaque);
        int files = 0;
        if (whole || !written.isEmpty()) {
            TreeFilter filter = whole ? TreeFilter.ALL : PathFilterGroup.createFromStrings(written);
            files = new WorkspaceExporter(clock).export(repo, head, dir, filter, false).entries().size();
        } else {
            try {
                WorkspaceExporter.makeWritableDir(dir); // only deletions: whiteouts alone
            } catch (IOException e) {
                throw new InfrastructureException("cannot write the checks' head layer: " + e.getMessage(), e);
            }
        }
        if (!whole) {
            for (String folder : opaque) {
                markOpaque(dir, folder);
            }
            if (!whiteout(dir, gone)) {
                return null;
            }
        }
        return new HeadLayer(dir, whole, files);
    }

    private static void markOpaque(Path dir, String folder) throws InfrastructureException {
        Path f = dir.resolve(folder);
        try {
            WorkspaceExporter.createParents(dir, f); // a folder of the head holding only empty trees has none
            UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            v.write(OPAQUE, ByteBuffer.wrap("y".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException | UnsupportedOperationException e) {
            throw new InfrastructureException("cannot mark " + f + " opaque for the checks' overlay (user extended attributes): "
                    + e.getMessage(), e);
        }
    }

    private static boolean whiteout(Path dir, Set<String> paths) throws InfrastructureException {
        try {
            return Whiteouts.make(dir, paths);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the checks' head layer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while writing the checks' head layer", e);
        }
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
