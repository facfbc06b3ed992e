package dev.agentsandbox.run.gates;

import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.config.CheckConfig;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.gate.command.CheckEgress;
import dev.agentsandbox.gate.command.CommandGate;
import dev.agentsandbox.run.agent.ModelAccess;
import dev.agentsandbox.run.agent.ProcessLog;
import dev.agentsandbox.run.agent.ProxyAudit;
import dev.agentsandbox.sandbox.Mount;
import java.util.concurrent.atomic.AtomicReference;
import dev.agentsandbox.gate.dependencies.DependencyGate;
import dev.agentsandbox.gate.dependencies.OsvAdvisories;
import dev.agentsandbox.gate.policy.PolicyGate;
import dev.agentsandbox.gate.risk.RiskGate;
import dev.agentsandbox.gate.secrets.SecretsGate;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.run.agent.AgentOutcome;
import dev.agentsandbox.run.agent.AgentWorkspace;
import dev.agentsandbox.run.collect.CollectOutcome;
import dev.agentsandbox.run.prepare.Prepared;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.workspace.GitTree;
import dev.agentsandbox.workspace.Scratch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Stage 4: the gates, run and timed as one suite on the committed change: policy, secrets, risk,
 * dependencies, then each check (lint, tests) in a fresh sandbox on the committed head tree.
 * Gates write their own artifacts (JUnit of the checks, the SBOM) into the report folder.
 */
public final class GateSuite {
    private final SandboxBackend backend;
    private final Clock clock;
    private final Progress progress;
    private final HostEnvironment host;

    public GateSuite(RunContext context) {
        this.backend = context.backend();
        this.clock = context.clock();
        this.progress = context.progress();
        this.host = context.host();
    }

    /** What policy.processes found in each check's programs, by check, as each check's sandbox ends. */
    private final java.util.Map<String, List<dev.agentsandbox.verdict.Finding>> checkFindings = new java.util.concurrent.ConcurrentHashMap<>();

    private void judged(String check, List<dev.agentsandbox.verdict.Finding> findings) {
        checkFindings.merge(check, findings, (a, b) -> {
            List<dev.agentsandbox.verdict.Finding> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        });
    }

    /** The suite's gates for a configuration, in the order they run. */
    public List<Gate> gates(Prepared p, AgentOutcome agent, RunBundle bundle, Scratch scratch) {
        RunConfig config = p.config();
        List<Gate> gates = new ArrayList<>();
        gates.add(new PolicyGate(config.policy()));
        gates.add(new SecretsGate(config.secrets()));
        gates.add(new RiskGate(config.risk()));
        gates.add(new DependencyGate(config.dependencies(), advisorySource(config), host.scratch().base().resolve("manifests")));
        for (CheckConfig check : config.checks()) {
            gates.add(new CommandGate(check, p.settings().image(), backend, agent.template(), (s, line) -> progress.output(check.name(), line),
                    check.registries() ? registries(p, bundle, scratch) : null)
                    .withServices(new dev.agentsandbox.gate.command.CheckServices.Host() {
                        @Override
                        public Path folder(String name) throws AgentSandboxException {
                            return scratch.disk(name, 0).folder("sockets"); // bounded as a check's disk: a service could fill it
                        }

                        @Override
                        public String variable(String name) {
                            return host.get(name);
                        }
                    })
                    // the check's programs, from gVisor's kernel, on the record as the agent's are, and judged by the same policy:
                    // a check runs code the agent wrote
                    .onSandbox(new CommandGate.SandboxHook() {
                        @Override
                        public void ended(String name, dev.agentsandbox.sandbox.SandboxResult result) throws dev.agentsandbox.error.InfrastructureException {
                            ProcessLog.audit(bundle, name, result.processes());
                            judged(name, ProcessLog.judgeCheck(config.policy().processes(), name, result.processes()));
                        }

                        // what runs in a service is on the record too, and a denied program there fails the check: the check
                        // can make a service run programs (a database's COPY ... FROM PROGRAM)
                        @Override
                        public void serviceEnded(String name, String service, dev.agentsandbox.sandbox.SandboxResult result)
                                throws dev.agentsandbox.error.InfrastructureException {
                            var processes = result == null ? null : result.processes();
                            ProcessLog.audit(bundle, name + "/service " + service, processes);
                            judged(name, ProcessLog.judgeService(config.policy().processes(), name, service, processes));
                        }
                    }));
        }
        return gates;
    }

    public GateOutcome run(Prepared p, AgentOutcome agent, CollectOutcome c, Repository repo, RunBundle bundle, Scratch scratch,
                           AgentWorkspace workspace) throws AgentSandboxException {
        List<GateResult> results = new ArrayList<>();
        results.add(agent.gate());
        if (p.dataClass() != null) {
            results.add(p.dataClass());
        }
        results.add(c.gate());
        boolean credentials = false;
        if (!c.collected().refused()) {
            progress.stage("gates", "checking the change");
            // The checks run on the committed head tree (exactly what would merge), written from git;
            // without checks no gate needs it on disk.
            ObjectId head = c.head() == null ? p.base().commit() : ObjectId.fromString(c.head());
            HeadCheckouts trees = p.config().checks().isEmpty() ? null : HeadCheckouts.prepare(repo, checksBase(workspace), workspace.user(), head,
                    c.head() == null ? List.of() : c.collected().change().files(), scratch, clock, progress);
            GateContext ctx = new GateContext(c.collected().change(), new GitTree(repo, p.base().commit()), new GitTree(repo, head), trees,
                    bundle.path(Layout.REPORTS));
            for (Gate g : gates(p, agent, bundle, scratch)) {
                GateResult r = timed(g, ctx);
                List<dev.agentsandbox.verdict.Finding> judged = checkFindings.remove(g.name());
                if (judged != null && !judged.isEmpty()) {
                    List<dev.agentsandbox.verdict.Finding> all = new ArrayList<>(r.findings());
                    all.addAll(judged);
                    r = GateResult.of(r.gate(), all, r.duration(), r.details());
                }
                results.add(r);
                credentials |= g.findsCredentials() && !r.findings().isEmpty();
            }
        }
        for (GateResult r : results) {
            bundle.audit("gates", "verdict", Map.of("gate", r.gate(), "verdict", r.verdict().id(), "findings", r.findings().size()));
        }
        return GateOutcome.of(results, credentials);
    }

    /** A check's way to proxy.registries: its own proxy (CONNECT only, audited) on a folder mounted where the bridge looks. */
    private CheckEgress registries(Prepared p, RunBundle bundle, Scratch scratch) {
        return check -> {
            Path dir = scratch.folder("egress-" + check);
            ModelAccess access = ModelAccess.registriesOnly(p.config().proxy(), dir, host.variables(),
                    new ProxyAudit(bundle, p.runId(), new AtomicReference<>(), backend, progress));
            return new CheckEgress.Route() {
                @Override
                public List<String> command(List<String> command) {
                    return access.command(command);
                }

                @Override
                public Map<String, String> env() {
                    return access.env();
                }

                @Override
                public List<Mount> mounts() {
                    return List.of(new Mount(dir, ModelAccess.IN_SANDBOX, true));
                }

                @Override
                public void close() {
                    access.close();
                }
            };
        };
    }

    /** The layers the checks stand on: the agent's, unless the runner's checkout changed since it was examined. */
    private List<java.nio.file.Path> checksBase(AgentWorkspace workspace) {
        String changed = workspace.changedSinceExamined();
        if (changed != null) {
            progress.step("the runner's checkout changed during the run (" + changed + "): the checks get the head tree written from git");
            return null;
        }
        return workspace.baseLayers();
    }

    private GateResult timed(Gate g, GateContext ctx) throws AgentSandboxException {
        progress.step(g.name());
        long t0 = System.nanoTime();
        GateResult r = g.evaluate(ctx);
        r = new GateResult(r.gate(), r.verdict(), r.findings(), Duration.ofNanos(System.nanoTime() - t0), r.details());
        progress.step(g.name() + ": " + r.verdict().id() + (r.findings().isEmpty() ? "" : " (" + r.findings().size() + " finding(s))"));
        return r;
    }

    /** Where advisories come from: a local OSV export, else an OSV API (the configuration's, $AGENT_SANDBOX_OSV_URL's, or osv.dev). */
    private OsvAdvisories.Source advisorySource(RunConfig config) {
        var a = config.dependencies().advisories();
        if (!a.enabled()) {
            return null;
        }
        if (a.database() != null) {
            return OsvAdvisories.database(Path.of(a.database()));
        }
        String env = host.get(OsvAdvisories.URL_ENV);
        return OsvAdvisories.api(a.url() != null ? a.url() : env != null && !env.isBlank() ? env : OsvAdvisories.DEFAULT_URL);
    }
}
