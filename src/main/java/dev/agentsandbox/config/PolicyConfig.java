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

        /**
         * Why this program is off the list, or null when it may run. The program is the one the kernel
         * ran ({@code binary}), or the one the dynamic loader loads; argv[0] is the caller's choice and
         * can only make a deny rule match, never an allow rule. A program with no path (memfd, a
         * deleted file) runs only where an allow rule names {@code (anonymous)}.
         */
        public String violation(List<String> argv, String binary) {
            Program p = Program.of(argv, binary);
            String called = argv.isEmpty() ? null : argv.get(0);
            for (String rule : deny) {
                if (matches(rule, p, p.binary()) || (called != null && matches(rule, p, called))) {
                    return "denied by policy.processes.deny \"" + rule + "\"";
                }
            }
            if (p.anonymous()) {
                return allow.contains(Program.ANONYMOUS) ? null : "a program with no path (memfd or a deleted file): not allowed unless"
                        + " policy.processes.allow names " + Program.ANONYMOUS;
            }
            if (!allow.isEmpty() && allow.stream().noneMatch(r -> matches(r, p, p.binary()) || calledAs(r, p, called))) {
                return "not in policy.processes.allow (" + p.binary() + " ran)";
            }
            return null;
        }

        /**
         * A rule's name reaches the program the kernel ran through a link it was called by: python3 runs
         * python3.11, sh runs dash, bash or busybox. Only that, and only when the caller used the rule's
         * name: argv[0] alone never makes another program allowed.
         */
        static boolean calledAs(String rule, Program p, String called) {
            String exe = rule.strip().split("\\s+")[0];
            if (called == null || p.binary() == null || exe.contains("/") || !Program.name(called).equals(exe)) {
                return false;
            }
            String ran = Program.name(p.binary());
            boolean versioned = ran.matches(java.util.regex.Pattern.quote(exe) + "[.0-9]+");
            boolean shell = exe.equals("sh") && java.util.Set.of("dash", "bash", "busybox", "ash", "mksh").contains(ran);
            return (versioned || shell) && matches(exe + rule.strip().substring(exe.length()), p, exe);
        }

        /** The programs the deny rules name (their first words), whose copies are judged as they are. */
        public List<String> deniedPrograms() {
            return deny.stream().map(r -> r.strip().split("\\s+")[0]).filter(w -> !w.isEmpty() && !w.equals(Program.ANONYMOUS)).distinct().toList();
        }

        /** Whether a rule ("git push", "/usr/bin/curl", "python3") names {@code program} with its subcommand. */
        static boolean matches(String rule, Program p, String program) {
            List<String> words = List.of(rule.strip().split("\\s+"));
            if (words.isEmpty() || program == null || words.get(0).equals(Program.ANONYMOUS)) {
                return false;
            }
            String exe = words.get(0);
            boolean exeMatches = exe.contains("/") ? exe.equals(program) : exe.equals(Program.name(program));
            if (!exeMatches) {
                return false;
            }
            List<String> rest = words.subList(1, words.size());
            if (rest.isEmpty()) {
                return true;
            }
            List<String> args = p.subcommand();
            return args.size() >= rest.size() && args.subList(0, rest.size()).equals(rest);
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
