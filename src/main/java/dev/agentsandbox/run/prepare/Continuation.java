package dev.agentsandbox.run.prepare;

import dev.agentsandbox.run.RunRequest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.UsageException;

/**
 * `run --continue BUNDLE`: a rejected run's reviewer comment becomes part of the next task. The
 * new run starts again from the same base (the reviewer reviews a whole change, never an
 * increment on top of a rejected one); the rejected branch is kept for reference.
 */
final class Continuation {
    private Continuation() {
    }

    static RunRequest apply(RunRequest r, java.security.KeyPair key) throws UsageException {
        if (r.task().previous() == null) {
            return r;
        }
        if (key == null) {
            // Without a key of its own, a bundle vouches for itself: anyone could write the "reviewer's" words.
            throw new UsageException("--continue " + r.task().previous() + " needs the signing key the previous run was signed with"
                    + " (--signing-key or $AGENT_SANDBOX_SIGNING_KEY): its bundle is verified against that key before its words join the task");
        }
        JsonNode approval;
        dev.agentsandbox.bundle.RunRecord run;
        try {
            // The comment that joins the task comes from a bundle that verifies, with the run's own key when it has one.
            dev.agentsandbox.bundle.BundleSnapshot snapshot;
            dev.agentsandbox.bundle.BundleVerifier.Verification v;
            // one verified door: locked, read once, verified with the key before a word of it is used
            try (var session = dev.agentsandbox.bundle.BundleSession.open(r.task().previous(), key.getPublic(), "its words do not join the task")) {
                snapshot = session.snapshot();
                v = session.verification();
            } catch (dev.agentsandbox.error.RefusedException e) {
                throw new UsageException("--continue " + r.task().previous() + ": " + e.getMessage(), e);
            }
            if (!Layout.isApprovalStage(v.newestStage())) {
                throw new UsageException("--continue " + r.task().previous() + ": that run has no decision yet; only a rejected run can be continued");
            }
            approval = null;
            for (int k = 1; k <= Layout.MAX_DECISIONS && snapshot.has(Layout.approvalFile(k)); k++) {
                JsonNode d = snapshot.json(Layout.approvalFile(k));
                if (d.path("decision").asText().equals("REJECT")) {
                    approval = d;
                    break;
                }
            }
            if (approval == null) {
                throw new UsageException("--continue " + r.task().previous() + ": that run was approved, not rejected; merge it instead");
            }
            run = snapshot.run();
        } catch (UsageException e) {
            throw e;
        } catch (dev.agentsandbox.error.AgentSandboxException e) {
            throw new UsageException("--continue " + r.task().previous() + " is not a usable run bundle: " + e.getMessage(), e);
        }
        String task = r.task().text() + "\n\nA reviewer (" + approval.path("by").asText() + ") rejected the previous attempt (run "
                + run.runId() + ", branch " + run.featureBranch() + ") and said:\n"
                + approval.path("comment").asText() + "\n";
        String base = r.overrides().base() != null ? r.overrides().base() : run.baseBranch();
        return r.withTask(task, base, null);
    }
}
