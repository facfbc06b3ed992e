package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import dev.agentsandbox.bundle.Outcome;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.pipeline.RunPipeline;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.RunIds;
import dev.agentsandbox.run.RunRequest;
import dev.agentsandbox.run.RunResult;
import dev.agentsandbox.sandbox.SandboxBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Run an agent in a sandbox on a copy of the repository, commit its change on a feature branch, and check it.")
final class RunCommand implements Callable<Integer> {
    private static final int MAX_FINDINGS_SHOWN = 5;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--repo", defaultValue = ".", description = "the repository (default: the current folder)")
    Path repo;

    static final class Task {
        @Option(names = "--task", description = "the task, as text")
        String text;

        @Option(names = "--task-file", description = "a file holding the task")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Task task;

    @Option(names = "--image", description = "the agent's image (local; nothing is pulled)")
    String image;

    @Option(names = "--command", description = "the agent's command, run with sh -c")
    String command;

    @Option(names = "--config", description = "a configuration file (default: .agent-sandbox.yml at the base commit)")
    Path config;

    @Option(names = "--bundle", defaultValue = "agent-sandbox-run", description = "where the run bundle goes (default: ${DEFAULT-VALUE})")
    Path bundle;

    @Option(names = "--tier", description = "container, gvisor or microvm")
    String tier;

    @Option(names = "--runtime", description = "Docker runtime name (microvm tier)")
    String runtime;

    @Option(names = "--base", description = "the base branch (default: the branch checked out)")
    String base;

    @picocli.CommandLine.Mixin
    SigningKey signingKey;

    @Option(names = "--push", description = "the remote `merge` pushes the approved change to; nothing of the agent's is"
            + " pushed before approval (see --push-before-approval)")
    String push;

    @Option(names = "--push-before-approval", arity = "0..1", fallbackValue = "namespace", paramLabel = "namespace|branch",
            description = "RISK: push the agent's commit to the --push remote as soon as the gates pass, before anyone"
                    + " approved it: 'namespace' (the default) to refs/agent-sandbox/<run>, which branch-triggered CI does not"
                    + " match; 'branch' as the feature branch, where push-triggered CI runs the agent's code with the"
                    + " repository's secrets before review")
    String pushEarly;

    @Option(names = "--continue", description = "continue a rejected run: its reviewer's comment joins the task")
    Path previous;

    @picocli.CommandLine.Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--workspace", description = "how the agent's copy of the repository is made: overlay (copy-on-write over the"
            + " runner's checkout where it provably is the base tree, on the gvisor tier, else over a shared export of the base), export"
            + " (copy-on-write over the export only), copy (a private export) or auto: overlay where Docker can mount it"
            + " (default: $AGENT_SANDBOX_WORKSPACE, else auto)")
    String workspace;

    @Option(names = "--requested-by", description = "who asks for this run (default: the CI's user, $GITLAB_USER_LOGIN, $GITHUB_ACTOR,"
            + " $BUILD_USER_ID); they may not approve it unless approval.<tier>.allow-self")
    String requestedBy;

    @Option(names = "--trigger", description = "where a person asked for this run on a forge: the trigger.json `agent-sandbox trigger github`"
            + " wrote; recorded in run.json, and its author is the requester")
    Path triggerFile;

    @Option(names = "--plan", description = "plan first: the agent writes its plan to PLAN.md and nothing else is kept; approve the"
            + " plan's bundle, then run with --plan-from it")
    boolean plan;

    @Option(names = "--plan-from", description = "run from an approved plan (the bundle of a --plan run): the agent gets the plan in"
            + " $AGENT_PLAN_FILE, and its digest is bound into this run's attestation")
    Path planFrom;

    @Option(names = "--commit-key", description = "an OpenSSH private key (no passphrase) that signs the agent's commit (default:"
            + " $AGENT_SANDBOX_COMMIT_KEY); merge then refuses a commit whose signature does not verify. It never enters a sandbox")
    Path commitKey;

    @Option(names = "--org-policy", description = "the organisation's data classification (default: $AGENT_SANDBOX_ORG_POLICY): which"
            + " model endpoints and registries this repository's class may use; a run it does not allow is refused before the agent starts")
    Path orgPolicy;

    private dev.agentsandbox.workspace.WorkspaceMode workspaceMode(java.util.Map<String, String> env) throws UsageException {
        try {
            return dev.agentsandbox.workspace.WorkspaceMode.parse(workspace != null ? workspace : env.get(dev.agentsandbox.workspace.WorkspaceMode.ENV));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Path envPath(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    @picocli.CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--quiet", description = "do not show the sandbox's output")
    boolean quiet;

    @Override
    public Integer call() throws AgentSandboxException {
        String taskText = task.text != null ? task.text : readTask(task.file);
        if (taskText.isBlank()) {
            throw new UsageException("the task is empty: give --task TEXT or --task-file FILE with the work to do");
        }
        List<String> cmd = command == null ? null : List.of("sh", "-c", command);
        var env = System.getenv();
        var mode = workspaceMode(env);
        var upstream = model.upstream();
        if (backend.kind(env).equals("kubernetes")) {
            if (mode == dev.agentsandbox.workspace.WorkspaceMode.OVERLAY || mode == dev.agentsandbox.workspace.WorkspaceMode.EXPORT) {
                throw new UsageException("--workspace " + mode.name().toLowerCase(java.util.Locale.ROOT) + " needs a host that mounts it; the kubernetes backend streams a private copy into each pod");
            }
            mode = dev.agentsandbox.workspace.WorkspaceMode.COPY;
        }
        dev.agentsandbox.bundle.RunRecord.Trigger trigger = readTrigger();
        RunRequest request = new RunRequest(
                new RunRequest.Task(repo.toAbsolutePath().normalize(), taskText, CiEnvironment.branch(env), requester(env, trigger), trigger,
                        plan, planFrom, previous),
                new RunRequest.Overrides(config, orgPolicy != null ? orgPolicy : envPath(HostVariables.ORG_POLICY), image, cmd, tier, runtime,
                        base, upstream, mode),
                new RunRequest.Delivery(bundle.toAbsolutePath().normalize(), push, pushEarly()));
        Path commitKeyFile = commitKey != null ? commitKey : envPath(HostVariables.COMMIT_KEY);
        HostEnvironment host = new HostEnvironment(env, CiEnvironment.reviewUrl(env), dev.agentsandbox.workspace.ScratchArea.of(env),
                CiEnvironment.gitCredentials(env), commitKeyFile == null ? null : dev.agentsandbox.git.CommitSigning.load(commitKeyFile));
        java.security.KeyPair key = signingKey.load();
        var out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        try (ConsoleProgress progress = new ConsoleProgress(out, !quiet); SandboxBackend sandbox = dev.agentsandbox.sandbox.BackgroundOpen.start(backend.kind(env), () -> backend.open(env))) {
            RunPipeline pipeline = new RunPipeline(dev.agentsandbox.run.RunContext.of(sandbox, clock, progress, host), RunIds.random(clock), Configs.fromBaseCommit());
            RunResult r = pipeline.run(request, key);
            out.println();
            out.println("verdict: " + r.verdict());
            for (var g : r.gates()) {
                out.printf("  %-14s %-5s %d finding(s)%s%n", g.gate(), g.verdict().id(), g.findings().size(),
                        g.duration().toMillis() >= 100 ? String.format(java.util.Locale.ROOT, "  %.1f s", g.duration().toMillis() / 1000.0) : "");
                g.findings().stream().filter(f -> f.level() != dev.agentsandbox.verdict.Verdict.PASS).limit(MAX_FINDINGS_SHOWN)
                        .forEach(f -> out.println("    " + f.level().id() + " " + f.rule() + ": "
                                + dev.agentsandbox.console.SafeText.line(f.message(), 400)));
                if (g.findings().size() > MAX_FINDINGS_SHOWN) {
                    out.println("    … " + (g.findings().size() - MAX_FINDINGS_SHOWN) + " more in reports/results.sarif");
                }
            }
            if (r.headCommit() != null) {
                out.println("feature branch: " + r.featureBranch() + " @ " + r.headCommit());
            } else {
                out.println("nothing was committed");
            }
            out.println("bundle: " + r.bundle());
            if (r.verdict() == Outcome.PLAN) {
                out.println("the plan (plan.md) awaits approval: agent-sandbox approve --run " + r.bundle() + " --by NAME, then"
                        + " agent-sandbox run --plan-from " + r.bundle() + " …");
            }
            if (r.noChange()) {
                out.println("the agent changed nothing: there is nothing to review (exit " + ExitCodes.NO_CHANGE + ")");
            }
            return r.exitCode().code();
        }
    }

    private String pushEarly() throws UsageException {
        if (pushEarly == null) {
            return null;
        }
        if (push == null) {
            throw new UsageException("--push-before-approval needs --push REMOTE (where to push)");
        }
        if (!pushEarly.equals("namespace") && !pushEarly.equals("branch")) {
            throw new UsageException("--push-before-approval takes namespace (refs/agent-sandbox/<run>) or branch, not '" + pushEarly + "'");
        }
        return pushEarly;
    }

    private static String readTask(Path file) throws UsageException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read --task-file " + file + ": " + e.getMessage(), e);
        }
    }

    private dev.agentsandbox.bundle.RunRecord.Trigger readTrigger() throws UsageException {
        if (triggerFile == null) {
            return null;
        }
        try {
            var t = new com.fasterxml.jackson.databind.ObjectMapper().readValue(triggerFile.toFile(), dev.agentsandbox.bundle.RunRecord.Trigger.class);
            if (t.author() == null || t.author().isBlank() || t.sha256() == null || !t.sha256().matches("[0-9a-f]{64}")) {
                throw new UsageException("--trigger " + triggerFile + " names no author or digest: pass the trigger.json `agent-sandbox trigger` wrote");
            }
            return t;
        } catch (java.io.IOException e) {
            throw new UsageException("cannot read --trigger " + triggerFile + ": " + e.getMessage());
        }
    }

    /** Who asks for the run, as an identity (compared with approvers as one person whatever its form); the trigger's author when there is one. */
    private String requester(java.util.Map<String, String> env, dev.agentsandbox.bundle.RunRecord.Trigger trigger) throws UsageException {
        if (trigger != null) {
            String author = dev.agentsandbox.identity.Identity.require("the trigger's author", trigger.author()).id();
            if (requestedBy != null && !dev.agentsandbox.identity.Identity.require("--requested-by", requestedBy).id().equals(author)) {
                throw new UsageException("--requested-by " + requestedBy + " is not the trigger's author " + trigger.author()
                        + ": who asked on the forge is the run's requester");
            }
            return author;
        }
        String raw = requestedBy != null ? requestedBy : CiEnvironment.user(env);
        return raw == null ? null : dev.agentsandbox.identity.Identity.require(requestedBy != null ? "--requested-by" : "the CI's user", raw).id();
    }
}
