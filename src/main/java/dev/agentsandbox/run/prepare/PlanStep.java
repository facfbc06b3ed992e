package dev.agentsandbox.run.prepare;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.Plans;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.run.RunRequest;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import dev.agentsandbox.workspace.Collected;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plan first (seed 003 §5.2): with {@code --plan} the agent writes PLAN.md and only that is kept;
 * with {@code --plan-from} a later run gets the approved plan, whose digest its attestation binds.
 */
public final class PlanStep {
    static final String FILE = "PLAN.md";
    static final String IN_SANDBOX = "/run/agent-sandbox/plan.md";

    /** The request as it runs, and the approved plan it carries out (null when none). */
    public record Planned(RunRequest request, Plans.ApprovedPlan approved) {
        public Map<String, String> env() {
            if (request.task().plan()) {
                return Map.of("AGENT_SANDBOX_MODE", "plan");
            }
            return approved == null ? Map.of() : Map.of("AGENT_PLAN_FILE", IN_SANDBOX);
        }

        /** The approved plan goes to the sandbox (read-only) and its binding to run.json. */
        public void record(RunBundle bundle, Path runDir) throws IOException, InfrastructureException {
            if (approved != null) {
                Files.write(runDir.resolve("plan.md"), approved.text());
                bundle.record().plan(new dev.agentsandbox.bundle.RunRecord.PlanRef(approved.sha256(), approved.runId(), List.copyOf(approved.approvedBy())));
            }
        }
    }

    private PlanStep() {
    }

    static Planned prepare(RunRequest r, KeyPair key, Clock clock) throws AgentSandboxException {
        if (r.task().plan()) {
            return new Planned(withTask(r, planTask(r.task().text())), null);
        }
        if (r.task().planFrom() == null) {
            return new Planned(r, null);
        }
        if (key == null) {
            // Without a key of its own, a plan's bundle vouches for itself: anyone could write "approved".
            throw new dev.agentsandbox.error.UsageException("--plan-from " + r.task().planFrom() + " needs the signing key the plan was signed with"
                    + " (--signing-key or $AGENT_SANDBOX_SIGNING_KEY): the plan and its approval are verified against that key");
        }
        Plans.ApprovedPlan p = Plans.approved(r.task().planFrom(), key.getPublic(), clock);
        // A plan approved for one task is never carried out for another (or again with other words).
        if (p.task() == null || !p.task().equals(planTask(r.task().text()))) {
            throw new dev.agentsandbox.error.RefusedException("--plan-from " + r.task().planFrom() + ": that plan was approved for another task;"
                    + " run with the task the plan was made for, or plan this task first");
        }
        return new Planned(withTask(r, r.task().text() + "\n\nCarry out this approved plan (also in $AGENT_PLAN_FILE); do not go beyond it:\n\n"
                + new String(p.text(), StandardCharsets.UTF_8) + "\n"), p);
    }

    /** The task a plan-first run gives the agent: the task, and the plan-only instruction. */
    static String planTask(String task) {
        return task + "\n\nPlan only: write your plan for this task to " + FILE
                + " at the top of the workspace and change nothing else. Only the plan is kept; a person approves it before any"
                + " change is made.\n";
    }

    private static RunRequest withTask(RunRequest r, String task) {
        return r.withTask(task, r.overrides().base(), r.task().previous());
    }

    /** Keeps PLAN.md as the bundle's plan.md; a run without one fails. */
    public static GateResult collectPlan(Collected collected, RunBundle bundle, GateResult agent) throws InfrastructureException {
        List<Finding> f = new ArrayList<>();
        Path file = collected.refused() ? null : collected.headFiles().get(FILE);
        FileChange change = collected.change().files().stream().filter(c -> c.path().equals(FILE)).findFirst().orElse(null);
        if (agent.verdict() != Verdict.FAIL && (file == null || change == null || change.binary())) {
            f.add(Finding.of("plan", "no-plan", Verdict.FAIL, "the agent wrote no " + FILE + " (as text) at the top of the workspace"));
        }
        if (collected.change().files().size() > (file == null ? 0 : 1)) {
            f.add(Finding.of("plan", "changes-ignored", Verdict.WARN, "a plan run keeps only " + FILE + "; the agent's other changes were dropped"));
        }
        String sha = null;
        if (file != null && f.stream().noneMatch(x -> x.level() == Verdict.FAIL)) {
            try {
                byte[] text = Files.readAllBytes(file);
                Files.write(bundle.path(Plans.PLAN), text);
                sha = dev.agentsandbox.bundle.BundleSnapshot.sha256(text);
            } catch (IOException e) {
                throw new InfrastructureException("cannot keep the plan: " + e.getMessage(), e);
            }
        }
        return GateResult.of("plan", f, Duration.ZERO, new GateDetails.Plan(sha));
    }
}
