package dev.agentsandbox.config;

import java.util.List;

/**
 * The policy gate: what the agent may not touch and how big a change may be.
 *
 * @param protectedPaths globs (gitignore-like, '**' crosses folders) the change must not touch
 * @param maxFiles most files a change may touch
 * @param maxLines most lines (added + removed) a change may have
 * @param allowBinary whether binary files may be added or changed
 * @param allowModeChanges whether file modes may change (e.g. a file made executable)
 * @param maxFileBytes largest file the collector accepts
 * @param maxChangeBytes most bytes of new content (added and modified files) a change may hold
 */
public record PolicyConfig(List<String> protectedPaths, Integer maxFiles, Integer maxLines, Boolean allowBinary,
                           Boolean allowModeChanges, Long maxFileBytes, Long maxChangeBytes) {
    public static final List<String> DEFAULT_PROTECTED = List.of(
            ".github/workflows/**", ".github/actions/**", ".gitlab-ci.yml", ".gitlab/**", "Jenkinsfile", "**/Jenkinsfile",
            "**/CODEOWNERS", ".agent-sandbox.yml", ".circleci/**", "azure-pipelines.yml", ".buildkite/**");
    public static final PolicyConfig DEFAULT = new PolicyConfig(null, null, null, null, null, null, null);

    public PolicyConfig {
        protectedPaths = protectedPaths == null ? DEFAULT_PROTECTED : List.copyOf(protectedPaths);
        maxFiles = maxFiles == null ? 200 : maxFiles;
        maxLines = maxLines == null ? 5000 : maxLines;
        allowBinary = allowBinary != null && allowBinary;
        allowModeChanges = allowModeChanges != null && allowModeChanges;
        maxFileBytes = maxFileBytes == null ? 1L << 20 : maxFileBytes;
        maxChangeBytes = maxChangeBytes == null ? 16L << 20 : maxChangeBytes;
        if (maxFiles < 1 || maxLines < 1 || maxFileBytes < 1 || maxChangeBytes < 1) {
            throw new IllegalArgumentException("policy limits must be positive");
        }
    }
}
