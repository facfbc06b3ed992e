package dev.agentsandbox.config;

/**
 * Where the change goes.
 *
 * @param base the base branch (null: the branch checked out in the repository)
 * @param pattern feature branch name; {slug} and {run} are replaced
 */
public record BranchConfig(String base, String pattern) {
    public static final BranchConfig DEFAULT = new BranchConfig(null, null);

    public BranchConfig {
        pattern = pattern == null ? "agent/{slug}-{run}" : pattern;
        if (!pattern.contains("{run}")) {
            throw new IllegalArgumentException("branch.pattern must contain {run} so that runs never share a branch: " + pattern);
        }
    }
}
