package dev.agentsandbox.git;

import java.util.Locale;
import org.eclipse.jgit.lib.Repository;

/** Which repository a run was made in, as its remote's URL says: bound into the approval. */
public final class RepositoryIdentity {
    private RepositoryIdentity() {
    }

    /** The URL of {@code remote} (or of origin), or null when the repository has neither. */
    public static String of(Repository repo, String remote) {
        String url = remote == null ? null : repo.getConfig().getString("remote", remote, "url");
        if (url == null) {
            url = repo.getConfig().getString("remote", "origin", "url");
        }
        return url == null ? null : normalize(url);
    }

    /** Whether two URLs name the same repository (scheme, credentials, a trailing .git or slash aside). */
    public static boolean same(String a, String b) {
        return normalize(a).equals(normalize(b));
    }

    static String normalize(String url) {
        String u = url.strip();
        u = u.replaceFirst("^[a-zA-Z+]+://", "");
        u = u.replaceFirst("^[^@/]+@", "");      // user and token
        u = u.replaceFirst("^([^/:]+):(?!\\d)", "$1/"); // scp-like host:path
        u = u.replaceAll("/+$", "").replaceAll("\\.git$", "");
        // Host names are case-insensitive; paths are not everywhere (GitLab, file systems): only the host is folded.
        int slash = u.indexOf('/');
        return slash < 0 ? u.toLowerCase(Locale.ROOT) : u.substring(0, slash).toLowerCase(Locale.ROOT) + u.substring(slash);
    }
}
