package dev.agentsandbox.run.prepare;

import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.run.ConfigSource;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.git.FeatureBranch;
import dev.agentsandbox.git.RepositoryIdentity;
import dev.agentsandbox.policy.OrgPolicy;
import dev.agentsandbox.quota.DiskQuota;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.RunRequest;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.Repository;

/** Stage 1: the base, the configuration, the settings and the feature branch's name; refusals that come before the agent. */
public final class PrepareStage {
    /** The request before any repository is opened: a continued task joined, the signing key read, an approved plan checked. */
    public record Intake(RunRequest request, KeyPair signingKey, PlanStep.Planned plan) {
    }

    private final Clock clock;
    private final ConfigSource configs;
    private final HostEnvironment host;
    private final String backend;
    private final dev.agentsandbox.sandbox.SandboxBackend sandboxes;

    public PrepareStage(RunContext context, ConfigSource configs) {
        this.clock = context.clock();
        this.configs = configs;
        this.host = context.host();
        this.backend = context.backend().kind(); // the kind of backend the sandboxes run on (docker, kubernetes)
        this.sandboxes = context.backend();
    }

    public Intake intake(RunRequest request, KeyPair signingKey) throws AgentSandboxException {
        requireUtf8FileNames();
        request = Continuation.apply(request, signingKey);
        PlanStep.Planned plan = PlanStep.prepare(request, signingKey, clock);
        return new Intake(plan.request(), signingKey, plan);
    }

    /**
     * Settles the run in the open repository and begins run.json. A refusal by the data class is
     * recorded in run.json too (it comes after the record begins).
     */
    public Prepared prepare(Intake in, String runId, Repository repo, RunBundle bundle) throws AgentSandboxException {
        RunRequest request = in.request();
        Base base = Base.resolve(repo, request.overrides().base(), request.task().ciBranch());
        bundle.audit("prepare", "base", Map.of("branch", String.valueOf(base.branch()), "commit", base.commit().name()));
        RunConfig config = withModel(configs.load(repo, base.commit(), request.overrides()), request.overrides().model());
        Settings settings = Settings.of(config, request, host);
        for (var check : config.checks()) {
            if (check.registries() && config.proxy().registries().isEmpty()) {
                throw new UsageException("checks." + check.name() + ".registries is true but proxy.registries lists no registry:"
                        + " name the registries (host:port) the checks may reach, or drop the key");
            }
        }
        if (config.checkpoints().enabled() && in.signingKey() == null) {
            throw new UsageException("checkpoints.enabled needs the run's signing key (--signing-key or $" + dev.agentsandbox.audit.SigningKeys.ENV
                    + "): a checkpoint's answer is signed with it on the host, so that no one who can only write the bundle can answer");
        }
        String branch = FeatureBranch.name(config.branch().pattern(), request.task().text(), runId);
        // A host that cannot give the controls asked for is refused before anything starts.
        DiskQuota quota = HostControls.require(config, settings, backend);
        requireServices(config, settings);
        String identity = RepositoryIdentity.of(repo, config.merge().remote() != null ? config.merge().remote() : request.delivery().push());
        if (in.plan() != null && in.plan().approved() != null) {
            usePlanOnce(in.plan().approved(), repo, identity, base, runId);
        }
        var merge = config.merge();
        bundle.record().begin(new RunRecord.Start(request.task().repo().toAbsolutePath().normalize().toString(), base.branch(), base.commit().name(),
                identity, branch, settings.image(), settings.command(), settings.tier().id(), settings.runtime(),
                new RunRecord.Merge(merge.strategy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                        merge.remote() != null ? merge.remote() : request.delivery().push(), merge.allowOverride()), request.task().text(),
                host.commitSigning() == null ? null : host.commitSigning().publicKey()));
        if (request.task().trigger() != null) {
            bundle.record().trigger(request.task().trigger());
        }
        GateResult dataClass;
        try {
            dataClass = classify(request, config, settings, identity, bundle);
        } catch (AgentSandboxException e) {
            throw bundle.failed(e); // refused before the agent starts, and run.json says why
        }
        return new Prepared(request, runId, base, config, settings, branch, identity, quota, dataClass, in.plan(), in.signingKey());
    }

    /** Checks' services: their runtime on this host and their host variables, before the agent starts rather than after. */
    private void requireServices(RunConfig config, Settings settings) throws AgentSandboxException {
        boolean any = false;
        for (var check : config.checks()) {
            for (var svc : check.services()) {
                any = true;
                // the image is there (nothing is pulled), and has something to run if the service names nothing
                if (sandboxes.imageCommand(svc.image()).isEmpty() && svc.command() == null) {
                    throw new UsageException("checks." + check.name() + ".services " + svc.name() + ": image " + svc.image()
                            + " has no entrypoint or command; give the service a command");
                }
                for (var e : svc.hostEnv().entrySet()) {
                    if (host.get(e.getValue()) == null) {
                        throw new UsageException("checks." + check.name() + ".services " + svc.name() + ".host-env." + e.getKey()
                                + " reads host variable " + e.getValue() + ", which is not set: set it in the job's environment, or drop it");
                    }
                }
            }
        }
        if (any) {
            sandboxes.servicesRuntime(settings.tier(), settings.runtime());
        }
    }

    /** An approved plan is carried out in its own repository, never after a rejection, and once. */
    private static void usePlanOnce(dev.agentsandbox.bundle.Plans.ApprovedPlan plan, Repository repo, String identity, Base base, String runId)
            throws AgentSandboxException {
        if (plan.repository() == null || identity == null || !RepositoryIdentity.same(plan.repository(), identity)) {
            throw new dev.agentsandbox.error.RefusedException("the plan was approved for " + (plan.repository() == null
                    ? "a repository without a remote" : plan.repository()) + ", and this run is in " + (identity == null
                    ? "a repository without a remote" : identity) + ": a plan is carried out only where it was made");
        }
        if (dev.agentsandbox.git.DecisionLedger.rejected(repo, plan.runId(), null, dev.agentsandbox.git.GitCredentials.NONE)) {
            throw new dev.agentsandbox.error.RefusedException("the plan of run " + plan.runId() + " was rejected ("
                    + dev.agentsandbox.git.DecisionLedger.PREFIX + plan.runId() + "): plan again");
        }
        if (!dev.agentsandbox.git.DecisionLedger.recordPlanUse(repo, plan.runId(), base.commit(), runId)) {
            throw new dev.agentsandbox.error.RefusedException("the plan of run " + plan.runId() + " was carried out already ("
                    + dev.agentsandbox.git.DecisionLedger.PLAN_USED + plan.runId() + "): a plan is used once; plan again");
        }
    }

    /**
     * The repository's data class under the organisation policy: recorded, and a run whose model
     * endpoints or registries the class does not allow is refused here, before the agent starts.
     */
    private GateResult classify(RunRequest request, RunConfig config, Settings settings, String identity, RunBundle bundle) throws AgentSandboxException {
        if (request.overrides().orgPolicy() == null) {
            if (config.dataClass() != null) {
                throw new UsageException("the configuration declares data-class '" + config.dataClass() + "' but no organisation policy was"
                        + " given: pass --org-policy FILE (or set AGENT_SANDBOX_ORG_POLICY)");
            }
            return null;
        }
        OrgPolicy policy = OrgPolicy.load(request.overrides().orgPolicy());
        java.util.Set<String> images = new java.util.LinkedHashSet<>();
        images.add(settings.image());
        config.checks().forEach(c -> images.add(c.image() != null ? c.image() : settings.image()));
        config.checks().forEach(c -> c.services().forEach(s -> images.add(s.image())));
        images.remove(null);
        policy.allow().check(images, settings.tier().id(), backend, config.proxy().upstreams().stream().map(ProxyConfig.Upstream::provider).toList());
        if (!policy.classifies()) {
            if (config.dataClass() != null) {
                throw new UsageException("the configuration declares data-class '" + config.dataClass() + "' but the organisation policy "
                        + request.overrides().orgPolicy() + " defines no classes");
            }
            return null;
        }
        var a = policy.classify(identity, request.task().repo(), config.dataClass());
        var details = new GateDetails.DataClass(a.dataClass().name(), a.rule(), a.policySha256());
        bundle.record().dataClass(new RunRecord.DataClass(a.dataClass().name(), a.rule(), a.policySha256()));
        bundle.audit("prepare", "data-class", new LinkedHashMap<>(details.facts()));
        OrgPolicy.check(a, config.proxy());
        return GateResult.of("data-class", List.of(), Duration.ZERO, details);
    }

    private static RunConfig withModel(RunConfig c, ProxyConfig.Upstream model) {
        if (model == null) {
            return c;
        }
        var p = c.proxy();
        List<ProxyConfig.Upstream> ups = new ArrayList<>(p.upstreams());
        ups.removeIf(u -> u.provider().equals(model.provider()));
        ups.add(model);
        return c.withProxy(new ProxyConfig(ups, p.registries(), p.maxRequests(), p.maxRequestBytes(), p.tokenBudget(), p.recordBodies(),
                p.spend()));
    }

    private static void requireUtf8FileNames() throws UsageException {
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8")) {
            throw new UsageException("file names are decoded as " + jnu + ", so names outside ASCII would be lost:"
                    + " run with a UTF-8 locale (export LC_ALL=C.UTF-8); bin/agent-sandbox does this for you");
        }
    }
}
