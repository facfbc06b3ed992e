package dev.agentsandbox.run.publish;

import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.bundle.Attestor;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.bundle.BundleJson;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.config.ApprovalConfig;
import dev.agentsandbox.config.RiskConfig;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.gate.risk.RiskGate;
import dev.agentsandbox.secrets.Redaction;
import dev.agentsandbox.git.ChangeBundle;
import dev.agentsandbox.git.Pusher;
import dev.agentsandbox.notify.RunNotifier;
import dev.agentsandbox.report.ReportSet;
import dev.agentsandbox.report.RunReport;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.run.RunRequest;
import dev.agentsandbox.run.RunResult;
import dev.agentsandbox.run.agent.AgentOutcome;
import dev.agentsandbox.run.collect.CollectOutcome;
import dev.agentsandbox.run.gates.GateOutcome;
import dev.agentsandbox.run.prepare.PlanStep;
import dev.agentsandbox.run.prepare.Prepared;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Stage 5: what leaves the run. gates.json, the reports and the review page; the patch (redacted
 * when the change adds credentials) and the commit as a git bundle (never when it does); the
 * approvals the risk tier needs, in run.json; notifications; then the signed attestation.
 */
public final class PublishStage {
    private final Progress progress;
    private final HostEnvironment host;
    private final RunNotifier notifier;

    public PublishStage(RunContext context) {
        this.progress = context.progress();
        this.host = context.host();
        this.notifier = context.requireNotifier();
    }

    public RunResult publish(Prepared p, AgentOutcome agent, CollectOutcome c, GateOutcome gates, Repository repo, RunBundle bundle)
            throws AgentSandboxException, IOException {
        String head = c.head();
        String branch = p.branch();
        if (head != null && gates.credentialsFound()) {
            // The bundle travels (CI artifacts): a patch carrying a credential is kept redacted.
            Path patch = bundle.path(Layout.PATCH);
            Files.write(patch, Files.readAllLines(patch, StandardCharsets.UTF_8).stream().map(Redaction::redact)
                    .map(l -> l + "\n").reduce("", String::concat).getBytes(StandardCharsets.UTF_8));
            bundle.audit("gates", "patch-redacted", Map.of("reason", "the change adds credentials"));
        }
        if (head != null && !gates.credentialsFound()) {
            // The commit travels in the bundle for a merge job on a fresh checkout (nothing is pushed
            // before approval); never one that adds credentials, which would leave in a CI artifact.
            ChangeBundle.write(repo, p.base().commit(), ObjectId.fromString(head), branch, bundle.path(Layout.CHANGE_BUNDLE));
        }
        GateResult risk = gates.get(RiskGate.NAME);
        GateDetails.Risk assessed = risk != null && risk.details() instanceof GateDetails.Risk d ? d : new GateDetails.Risk("low", List.of());
        String tier = assessed.tier();
        bundle.record().decision(null, new RunRecord.Risk(tier, assessed.reasons()),
                quorum(p.config(), RiskConfig.Tier.parse(tier)), p.request().task().requestedBy(), notify(p.config()));
        bundle.writeGates(gates.results().stream().map(GateResult::toJson).toList());
        progress.stage("reports", "writing SARIF, JUnit, summary and review page");
        // An agent that changed nothing did not do its task: its own outcome, not a pass (exit 5).
        Outcome outcome = gates.verdict() != Verdict.FAIL && head == null ? Outcome.NO_CHANGE : Outcome.of(gates.verdict());
        writeReports(p, bundle, head == null ? null : branch, head, outcome, gates.results(), c, agent);
        if (head != null && gates.verdict() != Verdict.FAIL && p.request().delivery().pushEarly() != null) {
            pushEarly(p, repo, bundle, head);
        }
        // Told before signing, so that every outcome (a failed notification too) is in the signed audit log.
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("verdict", outcome.id());
        facts.put("tier", risk == null ? null : assessed.tier());
        facts.put("branch", head == null ? null : branch);
        facts.put("headCommit", head);
        facts.put("repository", bundle.record().current().repository());
        if (gates.verdict() == Verdict.FAIL) {
            notifier.send("gates-failed", facts);
        } else if (head != null) {
            notifier.send("awaiting-approval", facts);
        }
        bundle.record().finish(head, outcome, null);
        sign(p, bundle, outcome, gates.results(), agent);
        return new RunResult(p.runId(), bundle.root(), head == null ? null : branch, head, outcome, gates.results());
    }

    /** Plan first: the plan is kept, nothing is committed; a person approves the plan before any change is made. */
    public RunResult publishPlan(Prepared p, AgentOutcome agent, CollectOutcome c, RunBundle bundle) throws AgentSandboxException {
        List<GateResult> results = List.of(agent.gate(), PlanStep.collectPlan(c.collected(), bundle, agent.gate()));
        Verdict v = results.stream().map(GateResult::verdict).reduce(Verdict.PASS, Verdict::worst);
        Outcome outcome = v == Verdict.FAIL ? Outcome.FAIL : Outcome.PLAN;
        // A plan is for high-risk work: it takes the quorum of the high tier.
        bundle.record().decision(RunRecord.PLAN, null, quorum(p.config(), RiskConfig.Tier.HIGH), p.request().task().requestedBy(), null);
        bundle.writeGates(results.stream().map(GateResult::toJson).toList());
        writeReports(p, bundle, null, null, outcome, results, c, agent);
        bundle.record().finish(null, outcome, null);
        sign(p, bundle, outcome, results, agent);
        return new RunResult(p.runId(), bundle.root(), null, null, outcome, results);
    }

    /** Only when asked: the agent's code on the remote before anyone approved it (see --push-before-approval). */
    private void pushEarly(Prepared p, Repository repo, RunBundle bundle, String head) throws AgentSandboxException {
        RunRequest request = p.request();
        String ref = request.delivery().pushEarly().equals("branch") ? Constants.R_HEADS + p.branch() : RunRequest.EARLY_NAMESPACE + p.runId();
        progress.step("pushing the unapproved commit to " + ref + " on " + request.delivery().push() + " (--push-before-approval)");
        new Pusher(repo, host.git()).push(request.delivery().push(), List.of(new Pusher.Update(ObjectId.fromString(head), ref, ObjectId.zeroId())));
        bundle.audit("collect", "pushed-before-approval", Map.of("remote", request.delivery().push(), "ref", ref, "commit", head));
    }

    /** A tier's quorum as run.json records it (and approve and merge read it). */
    private static RunRecord.Quorum quorum(RunConfig config, RiskConfig.Tier tier) {
        ApprovalConfig.Quorum q = config.approval().of(tier);
        return new RunRecord.Quorum(q.approvers(), q.allowed(), q.allowSelf(), q.expiry() == null ? null : q.expiry().toSeconds());
    }

    /** Whom merge tells as well: names of host variables only, never their values. */
    private static JsonNode notify(RunConfig config) {
        return BundleJson.MAPPER.valueToTree(config.notifications());
    }

    private void writeReports(Prepared p, RunBundle bundle, String branch, String head, Outcome verdict, List<GateResult> results,
                              CollectOutcome c, AgentOutcome agent) throws InfrastructureException {
        try {
            Path patchFile = bundle.path(Layout.PATCH);
            String patch = Files.exists(patchFile) ? Files.readString(patchFile, StandardCharsets.UTF_8) : "";
            var report = new RunReport(p.runId(), p.request().task().repo().getFileName().toString(), p.base().branch(), p.base().commit().name(),
                    branch, head, verdict, results, c.collected().change(), Redaction.redact(patch), RunReport.DependencyRow.of(results),
                    agent.sandbox().containerConfig(), p.request().task().text(), p.request().task().trigger());
            ReportSet.writeAll(report, bundle.path(Layout.REPORTS), Redaction::redact);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the reports: " + e.getMessage() + " (is the disk full?)", e);
        }
    }

    private void sign(Prepared p, RunBundle bundle, Outcome verdict, List<GateResult> results, AgentOutcome agent)
            throws AgentSandboxException {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("verdict", verdict.id());
        facts.put("gates", results.stream().map(r -> Map.of("gate", r.gate(), "verdict", r.verdict().id(), "findings", r.findings().size())).toList());
        results.stream().map(GateResult::details).filter(GateDetails.Risk.class::isInstance).findFirst()
                .ifPresent(d -> facts.put("riskTier", ((GateDetails.Risk) d).tier()));
        if (p.dataClass() != null && p.dataClass().details() instanceof GateDetails.DataClass d) {
            facts.put("dataClass", d.name());
        }
        if (p.plan().approved() != null) {
            facts.put("planSha256", p.plan().approved().sha256()); // the approved plan this change carries out
            facts.put("planRun", p.plan().approved().runId());
        }
        String signer = bundle.record().current().commitSigner();
        if (signer != null) {
            facts.put("commitSigner", signer); // the key that signed the agent's commit
        }
        if (p.request().task().trigger() != null) {
            facts.put("trigger", p.request().task().trigger()); // where a person asked for the run, and the digest of what they wrote
        }
        facts.put("boundary", agent.boundary()); // what the agent's sandbox showed of itself before the agent ran
        facts.put("sandbox", agent.sandbox().containerConfig());
        facts.put("imageId", agent.sandbox().imageId());
        if (agent.processLog() != null) {
            facts.put("processLog", agent.processLog()); // how many programs the agent ran, and the digest of their records
        }
        if (agent.spend() != null) {
            facts.put("spend", agent.spend());
        }
        var key = p.signingKey();
        bundle.audit("attest", "gates", Map.of("signer", key == null ? "one-time key" : SigningKeys.keyId(key.getPublic())));
        String keyId = Attestor.sign(bundle.root(), "gates", key, bundle.auditLog().head(), facts);
        progress.step("signed the gates attestation (key " + keyId.substring(0, 16) + "…" + (key == null ? ", one-time" : "") + ")");
    }
}
