package dev.agentsandbox.pipeline;

import dev.agentsandbox.audit.OtlpExport;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.config.AuditConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.git.ChangeCommitter;
import dev.agentsandbox.notify.RunNotifier;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.run.RunIds;
import dev.agentsandbox.run.RunRequest;
import dev.agentsandbox.run.RunResult;
import dev.agentsandbox.run.agent.AgentOutcome;
import dev.agentsandbox.run.agent.AgentStage;
import dev.agentsandbox.run.agent.AgentWorkspace;
import dev.agentsandbox.run.collect.CollectStage;
import dev.agentsandbox.run.collect.CollectOutcome;
import dev.agentsandbox.run.gates.GateOutcome;
import dev.agentsandbox.run.gates.GateSuite;
import dev.agentsandbox.run.ConfigSource;
import dev.agentsandbox.run.prepare.PrepareStage;
import dev.agentsandbox.run.prepare.Prepared;
import dev.agentsandbox.git.Repositories;
import dev.agentsandbox.run.publish.PublishStage;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.workspace.Scratch;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * One run, stage by stage (docs/architecture.md): prepare → agent → collect → gates → publish,
 * each a package that returns a typed record to the next. The base branch is only ever read; the
 * only ref written is the new feature branch, and a run that cannot finish removes it again.
 */
public final class RunPipeline {
    private final RunContext context;
    private final SandboxBackend backend;
    private final Clock clock;
    private final RunIds ids;
    private final Progress progress;
    private final ConfigSource configs;
    private final HostEnvironment host;

    public RunPipeline(RunContext context, RunIds ids, ConfigSource configs) {
        this.context = context;
        this.backend = context.backend();
        this.clock = context.clock();
        this.ids = ids;
        this.progress = context.progress();
        this.configs = configs;
        this.host = context.host();
    }

    /** @param signingKey the attestation key; null: a one-time key */
    public RunResult run(RunRequest request, KeyPair signingKey) throws AgentSandboxException {
        if (signingKey == null) {
            SigningKeys.prepareOneTime(); // the attestation's key, made while the run goes on
        }
        PrepareStage prepare = new PrepareStage(context, configs);
        PrepareStage.Intake intake = prepare.intake(request, signingKey);
        String runId = ids.next();
        progress.stage("prepare", "run " + runId + " on " + intake.request().task().repo());
        AuditConfig export = null;
        Path bundleRoot = null;
        try (Repository repo = Repositories.open(intake.request().task().repo());
             RunBundle bundle = RunBundle.create(intake.request().delivery().bundle(), runId, clock)) {
            bundleRoot = bundle.root();
            Prepared p = prepare.prepare(intake, runId, repo, bundle);
            export = p.config().audit();
            String wanted = p.config().sandbox().backend();
            if (wanted != null && !wanted.equals(backend.kind())) {
                throw new UsageException("the repository's configuration asks for sandbox.backend: " + wanted + ", and this run's sandboxes"
                        + " are on " + backend.kind() + ": run with --backend " + wanted + " (or AGENT_SANDBOX_BACKEND=" + wanted + ")");
            }
            // What killed runs left behind (only that of dead processes) is reported before this run's sandboxes and folders are
            // made; the backend swept it as it opened, while the run prepared.
            int orphans;
            try {
                orphans = backend.cleanup(false) + host.scratch().cleanup(false);
            } catch (AgentSandboxException e) {
                throw bundle.failed(e);
            }
            if (orphans > 0) {
                progress.step("removed " + orphans + " sandbox(es) or folder(s) left by killed runs");
            }
            return execute(p, repo, bundle);
        } finally {
            // After the bundle is closed, whatever the outcome: the collector gets the whole log.
            if (bundleRoot != null && export != null && export.otlpEndpoint() != null) {
                var r = OtlpExport.export(bundleRoot.resolve(Layout.AUDIT), runId, export.otlpEndpoint(),
                        OtlpExport.headers(host.get(export.otlpHeadersEnv())));
                progress.step(r.error() == null ? "sent " + r.records() + " audit events to " + export.otlpEndpoint()
                        : "warning: the audit log was not exported (" + r.error() + "); the bundle's audit.jsonl is complete");
            }
        }
    }

    private RunResult execute(Prepared p, Repository repo, RunBundle bundle) throws AgentSandboxException {
        RunContext ctx = context.withNotifier(notifier(p, bundle));
        String head = null; // the feature branch's commit once made: undone if the run fails after
        try (Scratch scratch = host.scratch().create(p.runId(), p.quota(), p.settings().diskBytes());
             AgentWorkspace workspace = AgentWorkspace.prepare(p.request().overrides().workspace(), repo, p.base().commit(), scratch, clock, progress,
                     notOnCheckout(p))) {
            bundle.audit("prepare", "disk", Map.of("quota", scratch.diskQuota()));
            AgentOutcome agent = new AgentStage(ctx).run(p, bundle, scratch, workspace);
            CollectOutcome c = new CollectStage(ctx).collect(p, repo, bundle, workspace, agent);
            head = c.head();
            PublishStage publish = new PublishStage(ctx);
            if (p.request().task().plan()) {
                return publish.publishPlan(p, agent, c, bundle);
            }
            GateOutcome gates = new GateSuite(ctx).run(p, agent, c, repo, bundle, scratch, workspace);
            return publish.publish(p, agent, c, gates, repo, bundle);
        } catch (IOException e) {
            throw failed(repo, bundle, p.branch(), head, new InfrastructureException("the run failed on the host: " + e.getMessage(), e));
        } catch (AgentSandboxException e) {
            throw failed(repo, bundle, p.branch(), head, e);
        } catch (OutOfMemoryError e) {
            throw failed(repo, bundle, p.branch(), head, new InfrastructureException("the run ran out of memory on the host ("
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB heap); nothing is committed. This is a defect: please report it", e));
        } catch (RuntimeException | Error e) {
            throw failed(repo, bundle, p.branch(), head, new InfrastructureException("internal error: " + e
                    + "; nothing is committed (set AGENT_SANDBOX_DEBUG=1 for the stack trace, and report it)", e));
        }
    }

    /**
     * Why the sandboxes may not stand on the runner's checkout (they would run as its owner), or null
     * when they may.
     */
    private String notOnCheckout(Prepared p) {
        if (!backend.kind().equals("docker")) {
            return "pods get copies of their trees";
        }
        if (p.settings().tier() != dev.agentsandbox.config.Tier.GVISOR) {
            return "on the " + p.settings().tier().id() + " tier the checkout's owner would be the runner's real user on the host";
        }
        if (!p.settings().caches().isEmpty()) {
            return "sandbox.caches are mounted, which the checkout's owner may read more of than uid 65534";
        }
        if (p.config().checks().stream().anyMatch(c -> !c.services().isEmpty())) {
            return "check services run as uid 65534, and their sockets are for that user";
        }
        return null;
    }

    /**
     * A run that cannot finish leaves no half-made branch: the feature branch it created is
     * removed (only if it still points where the run put it), and run.json says why.
     */
    private static AgentSandboxException failed(Repository repo, RunBundle bundle, String branch, String head, AgentSandboxException e) {
        if (head != null) {
            ChangeCommitter.undo(repo, branch, ObjectId.fromString(head));
        }
        return bundle.failed(e);
    }

    private RunNotifier notifier(Prepared p, RunBundle bundle) {
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("runId", p.runId());
        base.put("reviewUrl", host.reviewUrl() != null ? host.reviewUrl() : bundle.path("reports/review.html").toUri().toString());
        return new RunNotifier(p.config().notifications(), host.variables(), bundle, progress::step, base);
    }
}
