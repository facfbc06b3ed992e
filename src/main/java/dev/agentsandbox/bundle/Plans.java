package dev.agentsandbox.bundle;


import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.RefusedException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;

/** Plan-first runs: a plan is used only once it verifies, was approved by its quorum, and nobody rejected it. */
public final class Plans {
    public static final String PLAN = "plan.md";

    /**
     * An approved plan: its text, digest and run, and what it was made for: the plan run's task as
     * recorded (the task the plan was asked for, with the plan-only instruction) and its repository.
     */
    public record ApprovedPlan(byte[] text, String sha256, String runId, java.util.Set<String> approvedBy, String task, String repository,
                               String baseCommit) {
    }

    private Plans() {
    }

    /** The decision's binding for a plan: what "headCommit" names in its approvals. */
    public static String binding(String sha256) {
        return "plan-sha256:" + sha256;
    }

    public static ApprovedPlan approved(Path bundle, PublicKey pinned, Clock clock) throws AgentSandboxException {
        try (BundleSession session = BundleSession.open(bundle, pinned, "--plan-from " + bundle + " is not carried out")) {
            return approved(session, clock);
        }
    }

    private static ApprovedPlan approved(BundleSession session, Clock clock) throws AgentSandboxException {
        Path bundle = session.dir();
        BundleSnapshot b = session.snapshot();
        BundleVerifier.Verification v = session.verification();
        RunRecord run = b.run();
        if (!run.planFirst() || !b.has(PLAN)) {
            throw new RefusedException("--plan-from " + bundle + " is not the bundle of a --plan run");
        }
        Decisions d = Decisions.of(b, v);
        if (d.rejection() != null) {
            throw new RefusedException("the plan was rejected by " + d.rejection().by() + ": plan again");
        }
        String digest = b.sha256(PLAN);
        for (Approval a : d.decisions()) {
            if (!binding(digest).equals(a.headCommit())) {
                throw new RefusedException("the approval by " + a.by() + " is not for this plan");
            }
        }
        var counted = d.counted(clock);
        if (counted.size() < d.required()) {
            throw new RefusedException("the plan is not approved yet: " + d.progress(clock));
        }
        return new ApprovedPlan(b.get(PLAN), digest, run.runId(), counted, run.task(), run.repository(), run.baseCommit());
    }
}
