package dev.agentsandbox.git;

import dev.agentsandbox.error.UsageException;
import java.text.Normalizer;
import java.util.Locale;
import org.eclipse.jgit.lib.Repository;

/** Names the feature branch of a run from a pattern, the task and the run id. */
public final class FeatureBranch {
    private static final int MAX_SLUG = 40;

    private FeatureBranch() {
    }

    public static String name(String pattern, String task, String runId) throws UsageException {
        String name = pattern.replace("{slug}", slug(task)).replace("{run}", runId);
        if (!Repository.isValidRefName("refs/heads/" + name)) {
            throw new UsageException("branch.pattern gives '" + name + "', which is not a valid branch name");
        }
        return name;
    }

    static String slug(String task) {
        String ascii = Normalizer.normalize(task, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
        String s = ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.length() > MAX_SLUG) {
            s = s.substring(0, MAX_SLUG).replaceAll("-+$", "");
        }
        return s.isEmpty() ? "change" : s;
    }
}
