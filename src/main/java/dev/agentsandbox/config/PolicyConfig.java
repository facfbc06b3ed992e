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
 * @param allowBidiPaths globs of files whose real right-to-left text may hold bidirectional controls
 */
public record PolicyConfig(List<String> protectedPaths, Integer maxFiles, Integer maxLines, Boolean allowBinary,
                           Boolean allowModeChanges, Long maxFileBytes, Long maxChangeBytes, List<String> allowBidiPaths,
                           ProcessPolicy processes) {
    public PolicyConfig(List<String> protectedPaths, Integer maxFiles, Integer maxLines, Boolean allowBinary,
                        Boolean allowModeChanges, Long maxFileBytes, Long maxChangeBytes, List<String> allowBidiPaths) {
        this(protectedPaths, maxFiles, maxLines, allowBinary, allowModeChanges, maxFileBytes, maxChangeBytes, allowBidiPaths, null);
    }

    /**
     * {@code policy.processes}: which programs the agent may run, judged on its process log. A rule is an
     * executable (a name, matched against the program's name, or a path) optionally followed by the
     * first arguments it must start with ({@code "git push"}).
     *
     * @param allow when not empty, every program must match one of these
     * @param deny no program may match one of these (deny wins)
     * @param stop whether a program off the list ends the sandbox at once ({@code enforce: stop}) or only fails the run ({@code report})
     */
    public record ProcessPolicy(List<String> allow, List<String> deny, boolean stop) {
        public ProcessPolicy {
            allow = allow == null ? List.of() : List.copyOf(allow);
            deny = deny == null ? List.of() : List.copyOf(deny);
        }

        /** Why this program is off the list, or null when it may run. */
        public String violation(List<String> argv, String binary) {
            for (String rule : deny) {
                if (matches(rule, argv, binary)) {
                    return "denied by policy.processes.deny \"" + rule + "\"";
                }
            }
            if (!allow.isEmpty() && allow.stream().noneMatch(r -> matches(r, argv, binary))) {
                return "not in policy.processes.allow";
            }
            return null;
        }

        static boolean matches(String rule, List<String> argv, String binary) {
            List<String> words = List.of(rule.strip().split("\\s+"));
            if (words.isEmpty() || argv.isEmpty()) {
                return false;
            }
            String exe = words.get(0);
            String name0 = argv.get(0).substring(argv.get(0).lastIndexOf('/') + 1);
            String nameBin = binary == null ? "" : binary.substring(binary.lastIndexOf('/') + 1);
            boolean exeMatches = exe.contains("/") ? exe.equals(binary) || exe.equals(argv.get(0)) : exe.equals(name0) || exe.equals(nameBin);
            if (!exeMatches || argv.size() < words.size()) {
                return false;
            }
            return argv.subList(1, words.size()).equals(words.subList(1, words.size()));
        }
    }
    /**
     * What a change must not touch by default: CI definitions of the systems in common use, hook
     * managers and dev containers (code that runs on someone's machine or in CI), the files that
     * steer the next agent run (a change there is a prompt injection that persists), ownership
     * rules, and this tool's own configuration and keys.
     */
    public static final List<String> DEFAULT_PROTECTED = List.of(
            // CI/CD
            ".github/workflows/**", ".github/actions/**", ".gitlab-ci.yml", ".gitlab/**", "Jenkinsfile", "**/Jenkinsfile", "**/*.jenkinsfile",
            ".circleci/**", "azure-pipelines.yml", "azure-pipelines/**", ".azure-pipelines/**", ".buildkite/**", ".travis.yml",
            "bitbucket-pipelines.yml", ".drone.yml", ".drone.star", ".woodpecker.yml", ".woodpecker/**", ".tekton/**", "tekton/**",
            "cloudbuild.yaml", "cloudbuild.yml", "bitrise.yml", ".semaphore/**", "appveyor.yml", ".appveyor.yml", "codemagic.yaml",
            ".gitea/workflows/**", ".forgejo/workflows/**", "buildspec.yml", "wercker.yml", ".harness/**", "Earthfile",
            // hooks and dev environments
            ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", ".husky/**", "lefthook.yml", "lefthook.yaml", ".lefthook.yml",
            ".githooks/**", ".devcontainer/**", ".devcontainer.json", ".gitpod.yml", ".vscode/tasks.json", ".vscode/settings.json",
            ".envrc",
            // what steers the next agent
            "CLAUDE.md", "**/CLAUDE.md", "CLAUDE.local.md", ".claude/**", "AGENTS.md", "**/AGENTS.md", "AGENT.md", ".cursorrules",
            ".cursor/**", ".github/copilot-instructions.md", ".github/instructions/**", ".github/prompts/**", ".windsurfrules",
            ".clinerules", ".clinerules/**", ".aider.conf.yml", ".aiderignore", "GEMINI.md", ".gemini/**", ".codex/**",
            ".continue/**", ".roo/**", ".junie/**", "CONVENTIONS.md",
            // ownership and this tool
            "**/CODEOWNERS", ".github/CODEOWNERS", ".agent-sandbox.yml", ".agent-sandbox/**", ".gitattributes", "**/.gitattributes",
            ".gitmodules");
    public static final PolicyConfig DEFAULT = new PolicyConfig(null, null, null, null, null, null, null, null);

    public PolicyConfig {
        protectedPaths = protectedPaths == null ? DEFAULT_PROTECTED : List.copyOf(protectedPaths);
        maxFiles = maxFiles == null ? 200 : maxFiles;
        maxLines = maxLines == null ? 5000 : maxLines;
        allowBinary = allowBinary != null && allowBinary;
        allowModeChanges = allowModeChanges != null && allowModeChanges;
        maxFileBytes = maxFileBytes == null ? 1L << 20 : maxFileBytes;
        maxChangeBytes = maxChangeBytes == null ? 16L << 20 : maxChangeBytes;
        allowBidiPaths = allowBidiPaths == null ? List.of() : List.copyOf(allowBidiPaths);
        if (maxFiles < 1 || maxLines < 1 || maxFileBytes < 1 || maxChangeBytes < 1) {
            throw new IllegalArgumentException("policy limits must be positive");
        }
    }
}
