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

    @Option(names = "--model-provider", description = "allow the agent this model API through the proxy: anthropic, openai, gemini, or a name")
    String modelProvider;

    @Option(names = "--model-url", description = "the model API's base URL (default: the provider's public API)")
    String modelUrl;

    @Option(names = "--model-region", description = "bedrock: the AWS region of the endpoint (the proxy signs with SigV4; no key)")
    String modelRegion;

    @Option(names = "--model-role-arn", description = "bedrock: the IAM role the CI's OIDC token is exchanged for through STS (default: the"
            + " AWS SDK's credential chain on the host)")
    String modelRoleArn;

    @Option(names = "--model-project", description = "vertex: the Google Cloud project the agent's model calls go to")
    String modelProject;

    @Option(names = "--model-workload-identity-provider", description = "vertex: the workload identity provider the CI's OIDC token is"
            + " exchanged at (projects/N/locations/global/workloadIdentityPools/P/providers/R); default: the host's application default credentials")
    String modelWorkloadProvider;

    @Option(names = "--model-service-account", description = "vertex, with --model-workload-identity-provider: the service account whose token the"
            + " exchange gives")
    String modelServiceAccount;

    @Option(names = "--model-token-env", description = "with --model-role-arn: the variable holding the CI's OIDC token (GitLab id_tokens);"
            + " default on GitHub Actions: requested with the job's id-token permission")
    String modelTokenEnv;

    @Option(names = "--model-token-file", description = "with --model-role-arn: a file holding the CI's OIDC token (a Jenkins credential)")
    Path modelTokenFile;

    @Option(names = "--model-key-env", description = "the host variable holding the model key (default: ANTHROPIC_API_KEY / OPENAI_API_KEY)")
    String modelKeyEnv;

    @Option(names = "--model-key-file", description = "a file holding the model key, as CI credential bindings write it"
            + " (instead of --model-key-env)")
    Path modelKeyFile;

    @Option(names = "--workspace", description = "how the agent's copy of the repository is made: overlay (copy-on-write over a"
            + " shared export of the base), copy (a private export) or auto: overlay where Docker can mount it"
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
        var upstream = model();
        if (backend.kind(env).equals("kubernetes")) {
            if (mode == dev.agentsandbox.workspace.WorkspaceMode.OVERLAY) {
                throw new UsageException("--workspace overlay needs a host that mounts it; the kubernetes backend streams a private copy into each pod");
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
                out.printf("  %-14s %-5s %d finding(s)%n", g.gate(), g.verdict().id(), g.findings().size());
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

    private dev.agentsandbox.config.ProxyConfig.Upstream model() throws UsageException {
        if (modelProvider == null) {
            if (modelUrl != null || modelKeyEnv != null || modelKeyFile != null) {
                throw new UsageException("--model-url, --model-key-env and --model-key-file need --model-provider");
            }
            return null;
        }
        String p = modelProvider.toLowerCase(java.util.Locale.ROOT);
        if (p.equals("bedrock")) {
            return bedrock();
        }
        if (p.equals("vertex")) {
            return vertex();
        }
        if (modelRegion != null || modelRoleArn != null || modelTokenEnv != null || modelTokenFile != null || modelProject != null
                || modelWorkloadProvider != null || modelServiceAccount != null) {
            throw new UsageException("--model-region, --model-role-arn, --model-project, --model-workload-identity-provider, --model-service-account,"
                    + " --model-token-env and --model-token-file are for --model-provider bedrock or vertex");
        }
        String url = modelUrl != null ? modelUrl : switch (p) {
            case "anthropic" -> "https://api.anthropic.com";
            case "openai" -> "https://api.openai.com";
            case "gemini" -> "https://generativelanguage.googleapis.com";
            default -> throw new UsageException("--model-provider " + modelProvider + " needs --model-url");
        };
        String wrong = dev.agentsandbox.config.ProxyConfig.urlProblem(url);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        if (modelKeyEnv != null && modelKeyFile != null) {
            throw new UsageException("give the model key one way: --model-key-env or --model-key-file, not both");
        }
        String keyEnv = modelKeyFile != null ? null : modelKeyEnv != null ? modelKeyEnv : p.toUpperCase(java.util.Locale.ROOT) + "_API_KEY";
        List<String> paths = switch (p) {
            case "anthropic" -> List.of("/v1/messages");
            case "openai" -> List.of("/v1/chat/completions", "/v1/responses");
            // generateContent, streamGenerateContent and countTokens under each model
            case "gemini" -> List.of("/v1beta/models", "/v1/models");
            default -> List.of();
        };
        return new dev.agentsandbox.config.ProxyConfig.Upstream(p, url, paths, List.of("POST"), keyEnv,
                modelKeyFile == null ? null : modelKeyFile.toString());
    }

    /** Amazon Bedrock: the region's runtime endpoint, requests signed by the proxy; no key on the command line. */
    private dev.agentsandbox.config.ProxyConfig.Upstream bedrock() throws UsageException {
        if (modelKeyEnv != null || modelKeyFile != null) {
            throw new UsageException("--model-provider bedrock signs its requests with AWS credentials; drop --model-key-env and --model-key-file");
        }
        if (!dev.agentsandbox.config.ProxyConfig.Aws.isRegion(modelRegion)) {
            throw new UsageException("--model-provider bedrock needs --model-region, the AWS region of the endpoint (like us-east-1)");
        }
        if (modelRoleArn != null && !dev.agentsandbox.config.ProxyConfig.Aws.isRoleArn(modelRoleArn)) {
            throw new UsageException("--model-role-arn '" + modelRoleArn + "' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
        }
        if ((modelTokenEnv != null || modelTokenFile != null) && modelRoleArn == null) {
            throw new UsageException("--model-token-env and --model-token-file need --model-role-arn, the role the token is exchanged for");
        }
        if (modelTokenEnv != null && modelTokenFile != null) {
            throw new UsageException("give the CI's token one way: --model-token-env or --model-token-file");
        }
        String url = modelUrl != null ? modelUrl : "https://bedrock-runtime." + modelRegion + ".amazonaws.com";
        String wrong = dev.agentsandbox.config.ProxyConfig.urlProblem(url);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        return new dev.agentsandbox.config.ProxyConfig.Upstream("bedrock", url, List.of("/model"), List.of("POST"), null, null, null, null, null, null,
                new dev.agentsandbox.config.ProxyConfig.Aws(modelRegion, modelRoleArn, null, modelTokenEnv,
                        modelTokenFile == null ? null : modelTokenFile.toString()));
    }

    /** Vertex AI: the region's endpoint, requests given Google tokens by the proxy; no key on the command line. */
    private dev.agentsandbox.config.ProxyConfig.Upstream vertex() throws UsageException {
        if (modelKeyEnv != null || modelKeyFile != null || modelRoleArn != null) {
            throw new UsageException("--model-provider vertex takes Google credentials; drop --model-key-env, --model-key-file and --model-role-arn");
        }
        if (modelProject == null || !dev.agentsandbox.config.ProxyConfig.Gcp.isRegion(modelRegion)) {
            throw new UsageException("--model-provider vertex needs --model-project and --model-region (a Google Cloud location like us-east5)");
        }
        if (modelWorkloadProvider != null && !dev.agentsandbox.config.ProxyConfig.Gcp.isProvider(modelWorkloadProvider)) {
            throw new UsageException("--model-workload-identity-provider '" + modelWorkloadProvider + "' is not a provider's name"
                    + " (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)");
        }
        if ((modelTokenEnv != null || modelTokenFile != null || modelServiceAccount != null) && modelWorkloadProvider == null) {
            throw new UsageException("--model-token-env, --model-token-file and --model-service-account need --model-workload-identity-provider");
        }
        if (modelTokenEnv != null && modelTokenFile != null) {
            throw new UsageException("give the CI's token one way: --model-token-env or --model-token-file");
        }
        String url = modelUrl != null ? modelUrl : modelRegion.equals("global") ? "https://aiplatform.googleapis.com"
                : "https://" + modelRegion + "-aiplatform.googleapis.com";
        String wrong = dev.agentsandbox.config.ProxyConfig.urlProblem(url);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        return new dev.agentsandbox.config.ProxyConfig.Upstream("vertex", url, List.of(), List.of("POST"), null, null, null, null, null, null, null,
                new dev.agentsandbox.config.ProxyConfig.Gcp(modelProject, modelRegion, modelWorkloadProvider, modelServiceAccount, modelTokenEnv,
                        modelTokenFile == null ? null : modelTokenFile.toString(), null, null));
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
