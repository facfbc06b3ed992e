package dev.agentsandbox.workspace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Resolves the symbolic links of a tree as a file system would: component by component, following
 * every link met on the way (links through links, at any depth), so that a link that only leaves
 * the repository through another one is found. Lexical normalisation is not enough:
 * {@code a/d/..} is not {@code a} when {@code d} is a link.
 */
final class LinkResolver {
    /** Most links followed for one path, as Linux's MAXSYMLINKS; more is a loop. */
    static final int MAX_HOPS = 40;

    private final Map<String, String> links; // every link of the tree: path -> target

    LinkResolver(Map<String, String> links) {
        this.links = links;
    }

    /** Why the link at {@code path} can leave the tree, or null when it stays inside. */
    String escape(String path) {
        String target = links.get(path);
        if (target.startsWith("/")) {
            return "it points to the absolute path " + target;
        }
        List<String> at = new ArrayList<>(List.of(path.split("/")));
        at.remove(at.size() - 1);
        Deque<String> todo = new ArrayDeque<>(List.of(target.split("/")));
        List<String> via = new ArrayList<>();
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (at.isEmpty()) {
                    return "it resolves to a path outside the repository" + (via.isEmpty() ? "" : " through " + String.join(", ", via));
                }
                at.remove(at.size() - 1);
                continue;
            }
            at.add(c);
            String here = String.join("/", at);
            String next = links.get(here);
            if (next != null) {
                if (++hops > MAX_HOPS) {
                    return "it resolves through more than " + MAX_HOPS + " links (a loop)";
                }
                if (next.startsWith("/")) {
                    return "it resolves through " + here + " -> " + next + ", an absolute path";
                }
                via.add(here + " -> " + next);
                at.remove(at.size() - 1);
                List<String> parts = List.of(next.split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
            }
        }
        return null;
    }
}
