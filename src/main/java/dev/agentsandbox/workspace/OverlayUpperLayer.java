package dev.agentsandbox.workspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The overlay's own marks in an upper layer: whiteouts, opaque folders, and every path it holds. */
final class OverlayUpperLayer {
    private static final String XATTR = "overlay.";
    private final Map<String, Boolean> entries = new HashMap<>(); // path -> is a folder
    private final Set<String> whiteouts = new HashSet<>();
    private final Set<String> opaque = new HashSet<>();

    void directory(Path dir, String rel) throws IOException {
        entries.put(rel, true);
        Map<String, String> marks = marks(dir);
        String o = marks.remove("opaque");
        if ("y".equals(o)) {
            opaque.add(rel);
        } else if (o != null) {
            throw new IOException(rel + ": unknown overlay opaque mark '" + o + "'; refusing to guess what was deleted");
        }
        requireNoRedirect(rel, marks);
    }

    /** Records a file of the upper layer; true when it is a whiteout. */
    boolean entry(Path file, String rel, FileStat st) throws IOException {
        entries.put(rel, false);
        if (st.type() == FileStat.S_IFCHR && ((Long) Files.getAttribute(file, "unix:rdev", LinkOption.NOFOLLOW_LINKS)) == 0L) {
            whiteouts.add(rel);
            return true;
        }
        if (st.isRegular()) {
            requireNoRedirect(rel, marks(file));
        }
        return false;
    }

    /**
     * The base files gone from the merged view and not written again: under a whiteout, an opaque
     * folder, or a file that took a folder's place, and base files a folder took the place of.
     */
    List<String> deletions(TreeLookup base, Map<String, FileStat> seen) throws IOException {
        java.util.Set<String> gone = new java.util.TreeSet<>();
        for (Map.Entry<String, Boolean> e : entries.entrySet()) {
            String path = e.getKey();
            boolean folder = e.getValue();
            if (!folder || opaque.contains(path)) {
                // What the base held beneath this path is hidden (a whiteout or file shadows it all).
                for (String p : base.isFolder(path) ? base.filesUnder(path) : List.<String>of()) {
                    if (!seen.containsKey(p)) {
                        gone.add(p);
                    }
                }
            }
            if ((folder || whiteouts.contains(path)) && !seen.containsKey(path) && base.file(path) != null) {
                gone.add(path); // a whiteout, or a folder where the base had a file
            }
        }
        return new ArrayList<>(gone);
    }

    private static void requireNoRedirect(String rel, Map<String, String> marks) throws IOException {
        // With userxattr the kernel neither redirects nor copies metadata only: a layer saying
        // otherwise was not made by this mount, and its change cannot be read from it alone.
        if (!marks.isEmpty() && (marks.containsKey("redirect") || marks.containsKey("metacopy"))) {
            throw new IOException(rel + ": overlay marks " + marks.keySet() + " this tool does not read; refusing to guess the change");
        }
    }

    private static Map<String, String> marks(Path p) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        Map<String, String> m = new HashMap<>();
        for (String name : v.list()) {
            if (name.startsWith(XATTR)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.size(name));
                v.read(name, b);
                m.put(name.substring(XATTR.length()), new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1));
            }
        }
        return m;
    }
}
