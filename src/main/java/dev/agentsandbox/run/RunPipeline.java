package dev.agentsandbox.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentsandbox.config.CheckConfig;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.gate.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.gate.Verdict;
import dev.agentsandbox.gate.command.CommandGate;
import dev.agentsandbox.gate.dependencies.CycloneDxWriter;
import dev.agentsandbox.gate.dependencies.DependencyDelta;
import dev.agentsandbox.gate.dependencies.DependencyGate;
import dev.agentsandbox.gate.policy.PolicyGate;
import dev.agentsandbox.git.ChangeCommitter;
import dev.agentsandbox.git.FeatureBranch;
import dev.agentsandbox.git.PatchWriter;
import dev.agentsandbox.quota.DiskQuota;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxTemplate;
import dev.agentsandbox.workspace.ChangeCollector;
import dev.agentsandbox.workspace.Collected;
import dev.agentsandbox.workspace.GitTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;

/**
 * One run, stage by stage (DESIGN.md): prepare, agent, collect, gates, reports. The base branch
 * is only ever read; the only ref written is the new feature branch.
 */
public final class RunPipeline {
    static final String AGENT_GATE = "agent";

    private final SandboxBackend backend;
    private final Clock clock;
    private final RunIds ids;
    private final Progress progress;
    private final ConfigSource configs;
    private PlanStep.Prepared plan;
    private GateResult dataClass; // the repository's data class, when an organisation policy is given
    private Map<String, Object> processLog; // the agent's process log summary and digest, when traced
    private Map<String, Object> spend; // what the model requests cost, with proxy.spend
    private dev.agentsandbox.config.AuditConfig auditExport; // where the audit log goes besides the bundle
    private final java.util.concurrent.atomic.AtomicReference<String> processStopped = new java.util.concurrent.atomic.AtomicReference<>();

    public RunPipeline(SandboxBackend backend, Clock clock, RunIds ids, Progress progress, ConfigSource configs) {
        this.backend = backend;
        this.clock = clock;
        this.ids = ids;
        this.progress = progress;
        this.configs = configs;
    }

    public RunResult run(RunRequest request) throws AgentSandboxException {
        requireUtf8FileNames();
        request = Continuation.apply(request);
        java.security.KeyPair signingKey = dev.agentsandbox.audit.SigningKeys.load(request.signingKey());
        PlanStep.Prepared plan = PlanStep.prepare(request, signingKey, clock);
        request = plan.request();
        String runId = ids.next();
        progress.stage("prepare", "run " + runId + " on " + request.repo());
        // What killed runs left behind goes first (only sandboxes and folders of dead processes).
        int orphans = backend.cleanup(false) + Scratch.cleanup(false);
        if (orphans > 0) {
            progress.step("removed " + orphans + " sandbox(es) or folder(s) left by killed runs");
        }
        auditExport = null;
        Path bundleRoot = null;
        try (Repository repo = Repositories.open(request.repo());
             RunBundle bundle = RunBundle.create(request.bundle(), runId, clock)) {
            this.plan = plan;
            bundleRoot = bundle.root();
            return run(request, runId, repo, bundle, signingKey);
        } finally {
            // After the bundle is closed, whatever the outcome: the collector gets the whole log.
            if (bundleRoot != null && auditExport != null && auditExport.otlpEndpoint() != null) {
                var r = dev.agentsandbox.audit.OtlpExport.export(bundleRoot.resolve(dev.agentsandbox.bundle.Layout.AUDIT), runId,
                        auditExport.otlpEndpoint(), dev.agentsandbox.audit.OtlpExport.headers(
                                auditExport.otlpHeadersEnv() == null ? null : System.getenv(auditExport.otlpHeadersEnv())));
                progress.step(r.error() == null ? "sent " + r.records() + " audit events to " + auditExport.otlpEndpoint()
                        : "warning: the audit log was not exported (" + r.error() + "); the bundle's audit.jsonl is complete");
            }
        }
    }

    private RunResult run(RunRequest request, String runId, Repository repo, RunBundle bundle,
                          java.security.KeyPair signingKey) throws AgentSandboxException {
        Base base = Base.resolve(repo, request.base(), request.ciBranch());
        bundle.audit("prepare", "base", Map.of("branch", String.valueOf(base.branch()), "commit", base.commit().name()));
        RunConfig config = withModel(configs.load(repo, base.commit(), request), request.model());
        Settings settings = Settings.of(config, request);
        String branch = FeatureBranch.name(config.branch().pattern(), request.task(), runId);
        // A host that cannot bound what the agent writes is refused before anything starts.
        DiskQuota quota = DiskQuota.forLimit(settings.diskBytes());
        String identity = dev.agentsandbox.git.RepositoryIdentity.of(repo, config.merge().remote() != null ? config.merge().remote() : request.push());
        bundle.record().begin(request, base, branch, settings, config.merge(), identity);
        processLog = null;
        spend = null;
        processStopped.set(null);
        auditExport = config.audit();
        try {
            dataClass = classify(request, config, identity, bundle);
        } catch (AgentSandboxException e) {
            throw failed(repo, bundle, branch, null, e); // refused before the agent starts, and run.json says why
        }
        String[] committed = new String[1]; // the feature branch's commit once made: undone if the run fails after

        try (Scratch scratch = Scratch.create(runId, quota, settings.diskBytes());
             AgentWorkspace workspace = AgentWorkspace.prepare(request.workspace(), repo, base.commit(), scratch, clock, progress)) {
            bundle.audit("prepare", "disk", Map.of("quota", scratch.diskQuota()));
            if (config.sandbox().processLog()) {
                backend.traceProcesses(scratch.privateFolder("trace"));
            }
            Path runDir = scratch.folder("run");
            Files.writeString(runDir.resolve("task.md"), request.task(), StandardCharsets.UTF_8);
            plan.record(bundle, runDir);

            java.util.concurrent.atomic.AtomicReference<String> overBudget = new java.util.concurrent.atomic.AtomicReference<>();
            SandboxTemplate template;
            SandboxResult agent;
            dev.agentsandbox.checkpoint.Checkpoints checkpoints = config.checkpoints().enabled()
                    ? new dev.agentsandbox.checkpoint.Checkpoints(bundle.root(), clock, config.checkpoints().timeout(),
                            new CheckpointAudit(bundle, progress, notifier(config, bundle, runId))) : null;
            try (ModelAccess model = ModelAccess.start(config.proxy(), runDir, new ProxyAudit(bundle, runId, overBudget, backend, progress),
                    checkpoints == null ? null : (path, body) -> checkpoints.ask(body))) {
                template = settings.template(runId, model.keys());
                progress.stage("agent", "running " + settings.image() + " under " + template.runtime() + " (" + template.tier().id() + ")"
                        + (model.enabled() ? ", model API through the proxy" : ", no network"));
                Map<String, String> agentEnv = new LinkedHashMap<>(model.env());
                agentEnv.put("AGENT_TASK", request.task());
                agentEnv.put("AGENT_TASK_FILE", "/run/agent-sandbox/task.md");
                agentEnv.putAll(plan.env());
                SandboxTemplate t = template;
                var processPolicy = config.policy().processes();
                if (processPolicy != null && processPolicy.stop()) {
                    // enforce: stop — the first program off the list ends the agent's sandbox at once
                    ProcessLog.Judge judge = new ProcessLog.Judge(processPolicy);
                    backend.onExec(r -> {
                        String v = judge.judge(r);
                        if (v != null && processStopped.compareAndSet(null, v)) {
                            progress.step("stopping the agent: " + v);
                            try {
                                backend.stop(runId);
                            } catch (AgentSandboxException e) {
                                progress.step("warning: " + e.getMessage());
                            }
                        }
                    });
                }
                try {
                    agent = workspace.run(backend, ws -> t.spec("agent", settings.image(), model.command(settings.command()), agentEnv,
                            List.of(ws, new Mount(runDir, "/run/agent-sandbox", true))), (s, line) -> progress.output("agent", line));
                } finally {
                    backend.onExec(null);
                }
                if (model.enabled()) {
                    Map<String, Object> used = new LinkedHashMap<>(Map.of("tokens", model.tokensUsed()));
                    if (config.proxy().spend() != null) {
                        spend = new LinkedHashMap<>();
                        spend.put("spent", model.spent().stripTrailingZeros().toPlainString());
                        spend.put("cap", config.proxy().spend().cap().toPlainString());
                        spend.put("currency", config.proxy().spend().currency());
                        used.put("spend", spend);
                        progress.step("model spend " + spend.get("spent") + " " + spend.get("currency") + " of " + spend.get("cap"));
                    }
                    bundle.audit("proxy", "summary", used);
                }
            }
            if (checkpoints != null) {
                checkpoints.rejectPending("the agent's sandbox ended before an answer: rejected");
            }
            bundle.writeLog("agent.log", agent.output());
            bundle.audit("agent", "sandbox", Map.of("config", agent.containerConfig(), "exitCode", agent.exitCode(),
                    "ending", agent.ending().id(), "imageId", agent.imageId(), "millis", agent.timings().millis()));
            processLog = ProcessLog.audit(bundle, "agent", agent.processes());
            List<String> offList = ProcessLog.Judge.all(config.policy().processes(), agent.processes());
            GateResult agentGate = agentGate(agent, settings, overBudget.get(), workspace.overQuota() ? workspace.quota() : null,
                    dev.agentsandbox.report.TaskText.hiddenContent(request.task()), offList, processStopped.get(),
                    config.policy().processes() != null);
            progress.step("agent " + agent.ending().id() + " with status " + agent.exitCode() + " in "
                    + agent.timings().run().toMillis() + " ms");

            progress.stage("collect", "comparing the workspace with " + base.describe());
            Collected collected;
            try (ObjectReader reader = repo.newObjectReader()) {
                collected = workspace.collect(new ChangeCollector(ChangeCollector.Limits.of(config.policy())), reader);
            }
            if (request.plan()) {
                // Plan first: the plan is kept, nothing is committed; a person approves the plan before any change is made.
                List<GateResult> planResults = List.of(agentGate, PlanStep.collectPlan(collected, bundle, agentGate));
                Verdict v = planResults.stream().map(GateResult::verdict).reduce(Verdict.PASS, Verdict::worst);
                String outcome = v == Verdict.FAIL ? "fail" : "plan";
                bundle.record().put("kind", "plan");
                bundle.record().put("approval", planApproval(config));
                bundle.record().put("requestedBy", request.requestedBy());
                bundle.writeGates(planResults);
                writeReports(bundle, request, base, null, null, outcome, planResults, collected, agent, List.of());
                bundle.record().finish(null, outcome, null);
                sign(bundle, signingKey, outcome, planResults, agent);
                return new RunResult(runId, bundle.root(), null, null, outcome, planResults);
            }
            List<GateResult> results = new ArrayList<>();
            List<dev.agentsandbox.report.RunReport.DependencyRow> dependencyRows = new ArrayList<>();
            results.add(agentGate);
            if (dataClass != null) {
                results.add(dataClass);
            }
            String head = null;
            if (collected.refused()) {
                results.add(GateResult.of(Collected.GATE, collected.refusals(), Duration.ZERO, Map.of()));
                progress.step("refused: " + collected.refusals().size() + " finding(s); nothing committed");
            } else {
                results.add(GateResult.of(Collected.GATE, List.of(), Duration.ZERO, Map.of("files", collected.change().files().size())));
                if (!collected.change().isEmpty() && agentGate.verdict() != Verdict.FAIL) {
                    ObjectId commit = new ChangeCommitter(repo).commit(base.commit(), collected, branch,
                            new PersonIdent(config.agent().name(), config.agent().email(), clock.instant(), clock.getZone()),
                            new PersonIdent("agent-sandbox", "agent-sandbox@localhost", clock.instant(), clock.getZone()),
                            request.task(), runId);
                    head = commit.name();
                    committed[0] = head;
                    PatchWriter.write(repo, base.commit(), commit, bundle.path(RunBundle.PATCH));
                    progress.step("committed " + collected.change().files().size() + " file(s) on " + branch + " as " + head.substring(0, 12));
                    bundle.audit("collect", "commit", Map.of("branch", branch, "commit", head,
                            "files", collected.change().files().stream().map(f -> f.kind() + " " + f.path()).toList()));
                }
                results.addAll(gates(config, settings, template, collected, repo, base, head, scratch, workspace, bundle, dependencyRows));
            }
            Verdict verdict = Verdict.PASS;
            for (GateResult r : results) {
                verdict = verdict.worst(r.verdict());
                bundle.audit("gates", "verdict", Map.of("gate", r.gate(), "verdict", r.verdict().id(), "findings", r.findings().size()));
            }
            if (head != null && results.stream().anyMatch(r -> r.gate().equals("secrets") && !r.findings().isEmpty())) {
                // The bundle travels (CI artifacts): a patch carrying a credential is kept redacted.
                Path patch = bundle.path(RunBundle.PATCH);
                Files.write(patch, Files.readAllLines(patch, StandardCharsets.UTF_8).stream().map(Redaction::redact)
                        .map(l -> l + "\n").reduce("", String::concat).getBytes(StandardCharsets.UTF_8));
                bundle.audit("gates", "patch-redacted", Map.of("reason", "the change adds credentials"));
            }
            if (head != null && results.stream().noneMatch(r -> r.gate().equals("secrets") && !r.findings().isEmpty())) {
                // The commit travels in the bundle for a merge job on a fresh checkout (nothing is pushed
                // before approval); never one that adds credentials, which would leave in a CI artifact.
                dev.agentsandbox.git.ChangeBundle.write(repo, base.commit(), ObjectId.fromString(head), branch,
                        bundle.path(dev.agentsandbox.bundle.Layout.CHANGE_BUNDLE));
            }
            recordRisk(bundle, config, results, request.requestedBy());
            bundle.writeGates(results);
            progress.stage("reports", "writing SARIF, JUnit, summary and review page");
            // An agent that changed nothing did not do its task: its own outcome, not a pass (exit 5).
            String outcome = verdict != Verdict.FAIL && head == null ? RunResult.NO_CHANGE : verdict.id();
            writeReports(bundle, request, base, head == null ? null : branch, head, outcome, results, collected, agent, dependencyRows);
            if (head != null && verdict != Verdict.FAIL && request.pushEarly() != null) {
                // Only when asked: the agent's code on the remote before anyone approved it (see --push-before-approval).
                String ref = request.pushEarly().equals("branch") ? org.eclipse.jgit.lib.Constants.R_HEADS + branch
                        : RunRequest.EARLY_NAMESPACE + runId;
                progress.step("pushing the unapproved commit to " + ref + " on " + request.push() + " (--push-before-approval)");
                new dev.agentsandbox.git.Pusher(repo, System.getenv()).push(request.push(), List.of(new dev.agentsandbox.git.Pusher.Update(
                        ObjectId.fromString(head), ref, ObjectId.zeroId())));
                bundle.audit("collect", "pushed-before-approval", Map.of("remote", request.push(), "ref", ref, "commit", head));
            }
            // Told before signing, so that every outcome (a failed notification too) is in the signed audit log.
            Object tier = results.stream().filter(r -> r.gate().equals(dev.agentsandbox.gate.risk.RiskGate.NAME))
                    .map(r -> r.details().get("tier")).findFirst().orElse(null);
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("verdict", outcome);
            facts.put("tier", tier);
            facts.put("branch", head == null ? null : branch);
            facts.put("headCommit", head);
            facts.put("repository", bundle.record().get("repository"));
            if (verdict == Verdict.FAIL) {
                notifier(config, bundle, runId).send("gates-failed", facts);
            } else if (head != null) {
                notifier(config, bundle, runId).send("awaiting-approval", facts);
            }
            bundle.record().finish(head, outcome, null);
            sign(bundle, signingKey, outcome, results, agent);
            return new RunResult(runId, bundle.root(), head == null ? null : branch, head, outcome, results);
        } catch (IOException e) {
            throw failed(repo, bundle, branch, committed[0], new InfrastructureException("the run failed on the host: " + e.getMessage(), e));
        } catch (AgentSandboxException e) {
            throw failed(repo, bundle, branch, committed[0], e);
        } catch (OutOfMemoryError e) {
            throw failed(repo, bundle, branch, committed[0], new InfrastructureException("the run ran out of memory on the host ("
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB heap); nothing is committed. This is a defect: please report it", e));
        } catch (RuntimeException | Error e) {
            throw failed(repo, bundle, branch, committed[0], new InfrastructureException("internal error: " + e
                    + "; nothing is committed (set AGENT_SANDBOX_DEBUG=1 for the stack trace, and report it)", e));
        }
    }

    /**
     * A run that cannot finish leaves no half-made branch: the feature branch it created is
     * removed (only if it still points where the run put it), and run.json says why.
     */
    private static AgentSandboxException failed(Repository repo, RunBundle bundle, String branch, String head, AgentSandboxException e) {
        if (head != null) {
            ChangeCommitter.undo(repo, branch, ObjectId.fromString(head));
        }
        try {
            bundle.record().finish(null, "error", e.getMessage());
            bundle.audit("error", "run", Map.of("error", e.getMessage()));
        } catch (AgentSandboxException | RuntimeException ignored) {
            // the bundle itself failed (a full disk?): the exception below still says why
        }
        return e;
    }

    private List<GateResult> gates(RunConfig config, Settings settings, SandboxTemplate template, Collected collected, Repository repo,
                                   Base base, String head, Scratch scratch, AgentWorkspace workspace, RunBundle bundle,
                                   List<dev.agentsandbox.report.RunReport.DependencyRow> dependencyRows) throws AgentSandboxException {
        progress.stage("gates", "checking the change");
        // The checks run on the committed head tree (exactly what would merge), written from git;
        // without checks no gate needs it on disk.
        ObjectId headCommit = head == null ? base.commit() : ObjectId.fromString(head);
        HeadCheckouts checkTrees = config.checks().isEmpty() ? null : HeadCheckouts.prepare(repo, workspace.sharedBase(), headCommit,
                head == null ? List.of() : collected.change().files(), scratch, clock, progress);
        GateContext ctx = new GateContext(collected.change(), new GitTree(repo, base.commit()), new GitTree(repo, headCommit),
                checkTrees, bundle.path(RunBundle.REPORTS));
        List<Gate> gates = new ArrayList<>();
        gates.add(new PolicyGate(config.policy()));
        gates.addAll(GateCatalog.contentGates(config));
        List<GateResult> results = new ArrayList<>();
        for (Gate g : gates) {
            results.add(evaluate(g, ctx));
        }
        progress.step(DependencyGate.NAME);
        DependencyGate.Analysis deps = new DependencyGate(config.dependencies(), advisorySource(config)).analyse(ctx);
        try {
            CycloneDxWriter.write(deps.head(), deps.delta(), deps.advisories(), bundle.path(RunBundle.REPORTS).resolve("sbom.cdx.json"));
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the SBOM: " + e.getMessage(), e);
        }
        dependencyRows.addAll(rows(deps.delta()));
        results.add(deps.result());
        for (CheckConfig check : config.checks()) {
            results.add(evaluate(new CommandGate(check, settings.image(), backend, template,
                    (s, line) -> progress.output(check.name(), line)), ctx));
        }
        return results;
    }

    private Notifier notifier(RunConfig config, RunBundle bundle, String runId) {
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("runId", runId);
        base.put("reviewUrl", Notifier.reviewUrl(System.getenv(), bundle));
        return new Notifier(config.notifications(), System.getenv(), bundle, progress, base);
    }

    /**
     * The repository's data class under the organisation policy: recorded, and a run whose model
     * endpoints or registries the class does not allow is refused here, before the agent starts.
     */
    private static GateResult classify(RunRequest request, RunConfig config, String identity, RunBundle bundle) throws AgentSandboxException {
        if (request.orgPolicy() == null) {
            if (config.dataClass() != null) {
                throw new UsageException("the configuration declares data-class '" + config.dataClass() + "' but no organisation policy was"
                        + " given: pass --org-policy FILE (or set AGENT_SANDBOX_ORG_POLICY)");
            }
            return null;
        }
        var policy = dev.agentsandbox.policy.OrgPolicy.load(request.orgPolicy());
        var a = policy.classify(identity, request.repo(), config.dataClass());
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("class", a.dataClass().name());
        facts.put("rule", a.rule());
        facts.put("policySha256", a.policySha256());
        bundle.record().put("dataClass", facts);
        bundle.audit("prepare", "data-class", facts);
        dev.agentsandbox.policy.OrgPolicy.check(a, config.proxy());
        return GateResult.of("data-class", List.of(), Duration.ZERO, facts);
    }

    /** A plan is for high-risk work: it takes the quorum of the high tier. */
    private static Map<String, Object> planApproval(RunConfig config) {
        return quorum(config.approval().of(dev.agentsandbox.config.RiskConfig.Tier.HIGH));
    }

    /** A tier's quorum as run.json records it (and approve and merge read it). */
    private static Map<String, Object> quorum(dev.agentsandbox.config.ApprovalConfig.Quorum q) {
        Map<String, Object> approval = new LinkedHashMap<>();
        approval.put("approvers", q.approvers());
        approval.put("allowed", q.allowed());
        approval.put("allowSelf", q.allowSelf());
        approval.put("expirySeconds", q.expiry() == null ? null : q.expiry().toSeconds());
        return approval;
    }

    /** The run's risk tier and the approvals it needs, in run.json (attested with it): approve and merge read them there. */
    private static void recordRisk(RunBundle bundle, RunConfig config, List<GateResult> results, String requestedBy)
            throws InfrastructureException {
        String tier = results.stream().filter(r -> r.gate().equals(dev.agentsandbox.gate.risk.RiskGate.NAME))
                .map(r -> String.valueOf(r.details().get("tier"))).findFirst().orElse("low");
        Object reasons = results.stream().filter(r -> r.gate().equals(dev.agentsandbox.gate.risk.RiskGate.NAME))
                .map(r -> r.details().get("reasons")).findFirst().orElse(List.of());
        bundle.record().put("risk", Map.of("tier", tier, "reasons", reasons));
        bundle.record().put("approval", quorum(config.approval().of(dev.agentsandbox.config.RiskConfig.Tier.parse(tier))));
        bundle.record().put("requestedBy", requestedBy);
        bundle.record().put("notify", config.notifications()); // names of host variables only: merge tells the same people
    }

    /** Where advisories come from: a local OSV export, else an OSV API (the configuration's, $AGENT_SANDBOX_OSV_URL's, or osv.dev). */
    private static dev.agentsandbox.gate.dependencies.OsvAdvisories.Source advisorySource(RunConfig config) {
        var a = config.dependencies().advisories();
        if (!a.enabled()) {
            return null;
        }
        if (a.database() != null) {
            return dev.agentsandbox.gate.dependencies.OsvAdvisories.database(Path.of(a.database()));
        }
        String env = System.getenv(dev.agentsandbox.gate.dependencies.OsvAdvisories.URL_ENV);
        return dev.agentsandbox.gate.dependencies.OsvAdvisories.api(a.url() != null ? a.url()
                : env != null && !env.isBlank() ? env : dev.agentsandbox.gate.dependencies.OsvAdvisories.DEFAULT_URL);
    }

    private void writeReports(RunBundle bundle, RunRequest request, Base base, String branch, String head, String verdict,
                              List<GateResult> results, Collected collected, SandboxResult agent,
                              List<dev.agentsandbox.report.RunReport.DependencyRow> dependencyRows) throws InfrastructureException {
        try {
            Path patchFile = bundle.path(RunBundle.PATCH);
            String patch = Files.exists(patchFile) ? Files.readString(patchFile, StandardCharsets.UTF_8) : "";
            var report = new dev.agentsandbox.report.RunReport(bundle.record().runId(), request.repo().getFileName().toString(),
                    base.branch(), base.commit().name(), branch, head, verdict, results, collected.change(), Redaction.redact(patch),
                    dependencyRows, agent.containerConfig(), request.task());
            dev.agentsandbox.report.ReportSet.writeAll(report, bundle.path(RunBundle.REPORTS), Redaction::redact);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the reports: " + e.getMessage() + " (is the disk full?)", e);
        }
    }

    private GateResult evaluate(Gate g, GateContext ctx) throws AgentSandboxException {
        progress.step(g.name());
        GateResult r = g.evaluate(ctx);
        progress.step(g.name() + ": " + r.verdict().id() + (r.findings().isEmpty() ? "" : " (" + r.findings().size() + " finding(s))"));
        return r;
    }

    private static List<dev.agentsandbox.report.RunReport.DependencyRow> rows(DependencyDelta delta) {
        List<dev.agentsandbox.report.RunReport.DependencyRow> rows = new ArrayList<>();
        delta.added().forEach(d -> rows.add(new dev.agentsandbox.report.RunReport.DependencyRow("added", d.ecosystem(), d.name(), null, d.version(), d.manifest())));
        delta.changed().forEach(c -> rows.add(new dev.agentsandbox.report.RunReport.DependencyRow("changed", c.after().ecosystem(), c.after().name(),
                c.before().version(), c.after().version(), c.after().manifest())));
        delta.removed().forEach(d -> rows.add(new dev.agentsandbox.report.RunReport.DependencyRow("removed", d.ecosystem(), d.name(), d.version(), null, d.manifest())));
        delta.newSources().forEach(x -> rows.add(new dev.agentsandbox.report.RunReport.DependencyRow("new source", "", x, null, null, null)));
        return rows;
    }

    private void sign(RunBundle bundle, java.security.KeyPair key, String verdict, List<GateResult> results, SandboxResult agent)
            throws AgentSandboxException {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("verdict", verdict);
        facts.put("gates", results.stream().map(r -> Map.of("gate", r.gate(), "verdict", r.verdict().id(), "findings", r.findings().size())).toList());
        results.stream().filter(r -> r.gate().equals(dev.agentsandbox.gate.risk.RiskGate.NAME)).findFirst()
                .ifPresent(r -> facts.put("riskTier", r.details().get("tier")));
        if (dataClass != null) {
            facts.put("dataClass", dataClass.details().get("class"));
        }
        if (plan != null && plan.approved() != null) {
            facts.put("planSha256", plan.approved().sha256()); // the approved plan this change carries out
            facts.put("planRun", plan.approved().runId());
        }
        facts.put("sandbox", agent.containerConfig());
        facts.put("imageId", agent.imageId());
        if (processLog != null) {
            facts.put("processLog", processLog); // how many programs the agent ran, and the digest of their records
        }
        if (spend != null) {
            facts.put("spend", spend);
        }
        bundle.audit("attest", "gates", Map.of("signer", key == null ? "one-time key" : dev.agentsandbox.audit.SigningKeys.keyId(key.getPublic())));
        String keyId = dev.agentsandbox.audit.Attestor.sign(bundle.root(), "gates", key, bundle.auditLog().head(), facts);
        progress.step("signed the gates attestation (key " + keyId.substring(0, 16) + "…" + (key == null ? ", one-time" : "") + ")");
    }

    private static GateResult agentGate(SandboxResult agent, Settings settings, String overBudget, String overQuota, List<String> hiddenInTask,
            List<String> offList, String processStopped, boolean policySet) {
        boolean policyUnjudged = policySet && agent.processes() == null;
        List<Finding> f = new ArrayList<>();
        if (processStopped != null) {
            f.add(Finding.of(AGENT_GATE, "process-policy", Verdict.FAIL, "the agent was stopped when it ran " + processStopped
                    + " (policy.processes enforce: stop); its change is not committed"));
        }
        offList.stream().limit(20).forEach(v -> f.add(Finding.of(AGENT_GATE, "process-policy", Verdict.FAIL, "the agent ran " + v)));
        if (offList.size() > 20) {
            f.add(Finding.of(AGENT_GATE, "process-policy", Verdict.FAIL, (offList.size() - 20) + " more programs off policy.processes"));
        }
        var trace = agent.processes();
        if (trace != null && (trace.dropped() > 0 || trace.omitted() > 0 || trace.broken() != null)) {
            // An agent can flood the log (thousands of programs) to hide one: an incomplete log cannot pass a process policy.
            f.add(Finding.of(AGENT_GATE, "process-log-incomplete", policySet ? Verdict.FAIL : Verdict.WARN,
                    "the process log is incomplete (" + trace.dropped() + " events dropped by gVisor, " + trace.omitted()
                    + " programs past the record limit" + (trace.broken() == null ? "" : ", reading stopped: " + trace.broken()) + ")"
                    + (policySet ? ": policy.processes cannot be checked on it" : "")));
        }
        if (policyUnjudged) {
            // no process log (the runc tier, or process-log off): the policy cannot be checked, so the run does not pass it
            f.add(Finding.of(AGENT_GATE, "process-policy", Verdict.FAIL, "policy.processes is set but this run has no process log"
                    + " (gVisor tier and sandbox.process-log: true are needed to check it)"));
        }
        if (!hiddenInTask.isEmpty()) {
            f.add(Finding.of(AGENT_GATE, "task-hidden-content", Verdict.WARN, "the task holds content a reader may not see ("
                    + String.join("; ", hiddenInTask) + "); the review page shows it marked"));
        }
        if (overQuota != null) {
            f.add(Finding.of(AGENT_GATE, "disk-quota", Verdict.FAIL, "workspace over its " + overQuota
                    + " quota (sandbox.disk): the agent filled its disk; its change is not committed"));
        }
        if (overBudget != null) {
            f.add(Finding.of(AGENT_GATE, overBudget.contains("(proxy.spend)") ? "spend-cap" : "token-budget", Verdict.FAIL,
                    "the agent was stopped: " + overBudget));
        }
        switch (agent.ending()) {
            case TIMED_OUT -> f.add(Finding.of(AGENT_GATE, "timeout", Verdict.FAIL, "the agent did not finish within "
                    + settings.limits().timeout().toSeconds() + " s; its partial change is not committed"));
            case OUT_OF_MEMORY -> f.add(Finding.of(AGENT_GATE, "out-of-memory", Verdict.FAIL, "the agent ran out of memory"));
            case CANCELLED -> f.add(Finding.of(AGENT_GATE, "cancelled", Verdict.FAIL, "the agent was cancelled"));
            case EXITED -> {
                if (agent.exitCode() != 0 && agent.pidsLimitHit()) {
                    f.add(Finding.of(AGENT_GATE, "pids-limit", Verdict.FAIL, "the agent was stopped by the process limit of "
                            + settings.limits().pids() + " (exit status " + agent.exitCode() + "); raise sandbox.pids (under gVisor an idle"
                            + " sandbox takes about 45 of them and each process about 9); its change is not committed"));
                } else if (agent.exitCode() != 0) {
                    f.add(Finding.of(AGENT_GATE, "exit-status", Verdict.FAIL, "the agent exited with status " + agent.exitCode()
                            + "; its change is not committed"));
                }
            }
        }
        if (agent.outputTruncated()) {
            f.add(Finding.of(AGENT_GATE, "output-truncated", Verdict.WARN, "the agent wrote " + agent.outputBytes()
                    + " bytes of output; only the first part was kept"));
        }
        return GateResult.of(AGENT_GATE, f, agent.timings().run(), Map.of("exitCode", agent.exitCode(), "ending", agent.ending().id(),
                // for tuning sandbox.pids: the most host tasks the agent's sandbox held, against its limit
                "pidsPeak", agent.pidsPeak(), "pidsLimit", settings.limits().pids(),
                // the review page's timeline: the first 500 programs, as the audit log holds them
                "processes", agent.processes() == null ? List.of()
                        : agent.processes().processes().stream().limit(500).map(dev.agentsandbox.sandbox.trace.ProcessRecord::toAudit).toList()));
    }

    private static RunConfig withModel(RunConfig c, dev.agentsandbox.config.ProxyConfig.Upstream model) {
        if (model == null) {
            return c;
        }
        var p = c.proxy();
        List<dev.agentsandbox.config.ProxyConfig.Upstream> ups = new ArrayList<>(p.upstreams());
        ups.removeIf(u -> u.provider().equals(model.provider()));
        ups.add(model);
        var proxy = new dev.agentsandbox.config.ProxyConfig(ups, p.registries(), p.maxRequests(), p.maxRequestBytes(), p.tokenBudget(), p.recordBodies());
        return c.withProxy(proxy);
    }

    private static void requireUtf8FileNames() throws UsageException {
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8")) {
            throw new UsageException("file names are decoded as " + jnu + ", so names outside ASCII would be lost:"
                    + " run with a UTF-8 locale (export LC_ALL=C.UTF-8); bin/agent-sandbox does this for you");
        }
    }

    /** Where run ids come from: time-ordered, unique, safe in branch and container names. */
    @FunctionalInterface
    public interface RunIds {
        String next();

        static RunIds random(Clock clock) {
            java.security.SecureRandom r = new java.security.SecureRandom();
            java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC);
            return () -> f.format(clock.instant()) + "-" + java.util.HexFormat.of().formatHex(r.generateSeed(3));
        }
    }

    /** Loads the run's configuration (from the base commit, or a file the operator names). */
    @FunctionalInterface
    public interface ConfigSource {
        RunConfig load(Repository repo, ObjectId base, RunRequest request) throws AgentSandboxException;
    }

    static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
