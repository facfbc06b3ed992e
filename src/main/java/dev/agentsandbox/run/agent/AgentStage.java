package dev.agentsandbox.run.agent;

import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.checkpoint.Checkpoints;
import dev.agentsandbox.config.PolicyConfig;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.notify.RunNotifier;
import dev.agentsandbox.gate.TaskText;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.run.prepare.Prepared;
import dev.agentsandbox.workspace.Scratch;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stage 2: the agent in its sandbox, with the model proxy, checkpoints and the process policy
 * around it; its output, exit and processes recorded and judged as the agent gate.
 */
public final class AgentStage {
    public static final String GATE = AgentGate.NAME;

    private final SandboxBackend backend;
    private final Clock clock;
    private final Progress progress;
    private final RunNotifier notifier;
    private final HostEnvironment host;

    public AgentStage(RunContext context) {
        this.backend = context.backend();
        this.host = context.host();
        this.clock = context.clock();
        this.progress = context.progress();
        this.notifier = context.requireNotifier();
    }

    public AgentOutcome run(Prepared p, RunBundle bundle, Scratch scratch, AgentWorkspace workspace)
            throws AgentSandboxException, IOException {
        RunConfig config = p.config();
        if (config.sandbox().processLog()) {
            backend.traceProcesses(scratch.privateFolder("trace"));
        }
        Path runDir = scratch.folder("run");
        Files.writeString(runDir.resolve("task.md"), p.request().task().text(), StandardCharsets.UTF_8);
        p.plan().record(bundle, runDir);

        AtomicReference<String> overBudget = new AtomicReference<>();
        AtomicReference<String> processStopped = new AtomicReference<>();
        SandboxTemplate template;
        SandboxResult agent;
        Map<String, Object> spend = null;
        Map<String, String> env = new LinkedHashMap<>();
        Checkpoints checkpoints = null;
        if (config.checkpoints().enabled()) {
            // answered by the rules a high-risk change is approved by: a checkpoint guards a dangerous action
            var rules = config.approval().of(dev.agentsandbox.config.RiskConfig.Tier.HIGH);
            String requester = p.request().task().requestedBy();
            checkpoints = new Checkpoints(bundle.root(), clock, config.checkpoints().timeout(), new CheckpointAudit(bundle, progress, notifier),
                    p.signingKey().getPublic(), who -> dev.agentsandbox.identity.Eligibility.refusal(who, requester, rules.allowed(),
                    rules.allowSelf(), "high"));
        }
        Checkpoints asked = checkpoints;
        ProgramCopies copies;
        Map<String, Long> proxyLimits = Map.of();
        try (ModelAccess model = ModelAccess.start(config.proxy(), runDir, host.variables(),
                new ProxyAudit(bundle, p.runId(), overBudget, backend, progress), asked == null ? null : (path, body) -> asked.ask(body))) {
            if (!model.identities().isEmpty()) {
                // who the proxy signs as (a role, the CI token's subject): in run.json, and in the attested audit chain
                bundle.record().modelIdentity(model.identities());
                for (var id : model.identities().entrySet()) {
                    Map<String, Object> facts = new java.util.LinkedHashMap<>(id.getValue());
                    facts.put("upstream", id.getKey());
                    bundle.audit("agent", "model-identity", facts);
                }
            }
            template = p.settings().template(p.runId(), model::keys); // renewed credentials too, as they come
            progress.stage("agent", "running " + p.settings().image() + " under " + template.runtime() + " (" + template.tier().id() + ")"
                    + (model.enabled() ? ", model API through the proxy" : ", no network"));
            env.putAll(model.env());
            env.put("AGENT_TASK", p.request().task().text());
            env.put("AGENT_TASK_FILE", "/run/agent-sandbox/task.md");
            env.putAll(p.plan().env());
            SandboxTemplate t = template;
            PolicyConfig.ProcessPolicy processes = config.policy().processes();
            List<String> denied = processes == null || !config.sandbox().processLog() ? List.of() : processes.deniedPrograms();
            copies = new ProgramCopies(workspace::hostFileOf);
            ProgramCopies seen = copies;
            watchProcesses(processes, p.runId(), processStopped, denied.isEmpty() ? null : copies);
            try {
                agent = workspace.run(backend, ws -> t.spec("agent", p.settings().image(),
                        BoundaryProbe.wrap(model.command(p.settings().command()), denied), env,
                        List.of(ws, new Mount(runDir, ModelAccess.IN_SANDBOX, true))), (s, line) -> {
                            seen.probeLine(line);
                            progress.output("agent", line);
                        });
            } finally {
                backend.onExec(null);
            }
            model.drain();
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
                used.putAll(model.overLimits());
                proxyLimits = model.overLimits();
                bundle.audit("proxy", "summary", used);
            }
        }
        if (checkpoints != null) {
            checkpoints.rejectPending("the agent's sandbox ended before an answer: rejected");
        }
        bundle.writeLog("agent.log", agent.output());
        bundle.audit("agent", "sandbox", Map.of("config", agent.containerConfig(), "exitCode", agent.exitCode(),
                "ending", agent.ending().id(), "imageId", agent.imageId(), "millis", agent.timings().millis()));
        Map<String, Object> processLog = ProcessLog.audit(bundle, "agent", agent.processes());
        PolicyConfig.ProcessPolicy policy = config.policy().processes();
        java.util.Set<String> given = new java.util.HashSet<>(p.settings().env().keySet());
        given.addAll(env.keySet());
        if (agent.containerConfig().get("envNames") instanceof java.util.List<?> declared) {
            declared.forEach(n -> given.add(String.valueOf(n))); // the image's own variables are declared too
        }
        BoundaryProbe.Result boundary = BoundaryProbe.judge(agent.output(), given, template.tier(), workspace.user());
        List<dev.agentsandbox.verdict.Finding> held = new java.util.ArrayList<>(boundary.findings());
        if (!proxyLimits.isEmpty()) {
            held.add(dev.agentsandbox.verdict.Finding.of(GATE, "proxy-limits", dev.agentsandbox.verdict.Verdict.WARN, "the agent went past the"
                    + " model proxy's limits: " + proxyLimits.getOrDefault("refusedConnections", 0L) + " connection(s) refused while "
                    + dev.agentsandbox.proxy.ModelProxy.MAX_CONNECTIONS + " were open, " + proxyLimits.getOrDefault("droppedRequests", 0L)
                    + " request(s) dropped for not arriving whole within " + dev.agentsandbox.proxy.ModelProxy.REQUEST_SECONDS + " s"));
        }
        bundle.audit("agent", "boundary", boundary.facts());
        var gate = AgentGate.judge(agent, p.settings().limits(), new AgentGate.Facts(overBudget.get(),
                workspace.overQuota() ? workspace.quota() : agent.containerConfig().get(SandboxResult.OVER_DISK_QUOTA) instanceof String q ? q : null, TaskText.hiddenContent(p.request().task().text()),
                ProcessLog.Judge.all(policy, agent.processes(), copies), processStopped.get(), policy != null, held));
        progress.step("agent " + agent.ending().id() + " with status " + agent.exitCode() + " in " + agent.timings().run().toMillis() + " ms");
        return new AgentOutcome(agent, gate, template, processLog, spend, boundary.facts());
    }

    /**
     * Judges each program as it starts: with enforce: stop, the first one off the list ends the
     * agent's sandbox at once; with a deny list, a program the run wrote is read while it still is
     * what ran (judged again at the end, it may be gone).
     */
    private void watchProcesses(PolicyConfig.ProcessPolicy policy, String runId, AtomicReference<String> stopped, ProgramCopies copies) {
        if (policy == null || (!policy.stop() && copies == null)) {
            return;
        }
        ProcessLog.Judge judge = new ProcessLog.Judge(policy, copies);
        backend.onExec(r -> {
            String v = judge.judge(r);
            if (v != null && policy.stop() && stopped.compareAndSet(null, v)) {
                progress.step("stopping the agent: " + v);
                try {
                    backend.stop(runId);
                } catch (AgentSandboxException e) {
                    progress.step("warning: " + e.getMessage());
                }
            }
        });
    }
}
