package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.Approval;
import dev.agentsandbox.approval.ApprovalService;
import dev.agentsandbox.bundle.BundleSession;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.secrets.Redaction;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** approve and reject: the same options, one decision each. */
abstract class DecideCommand {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    RunBundleOption run;

    @Option(names = "--by", required = true, description = "who decides (the CI system's authenticated user)")
    String by;

    @Option(names = "--comment", defaultValue = "", description = "the reviewer's words")
    String comment;

    @picocli.CommandLine.Mixin
    PinnedKey key;

    @picocli.CommandLine.Mixin
    SigningKey signingKey;

    @Option(names = "--repo", description = "the run's repository, where a rejection is also recorded (default: the one the run used, if here)")
    Path repo;

    private static org.eclipse.jgit.lib.Repository openQuietly(Path dir) {
        try {
            return dev.agentsandbox.git.Repositories.open(dir);
        } catch (AgentSandboxException e) {
            return null;
        }
    }

    int decide(Approval.Decision decision) throws AgentSandboxException {
        var pinned = key.require(decision == Approval.Decision.APPROVE ? "approve" : "reject");
        Approval a;
        String progress;
        Path bundle = run.require();
        // The run's repository, when it is here, keeps a rejection even if the bundle is cut back. It is taken
        // from the verified bundle, inside the session: never from a field read before the check.
        try (BundleSession session = BundleSession.open(bundle, pinned, "there is nothing trustworthy to decide on")) {
            Path repoDir = session.repositoryFolder(repo);
            if (repoDir == null && decision == Approval.Decision.REJECT) {
                spec.commandLine().getErr().println("agent-sandbox: warning: no checkout of the run's repository here: the rejection is recorded"
                        + " in the bundle only; run reject in a checkout (with push rights) so that a bundle cut back cannot hide it");
            }
            try (org.eclipse.jgit.lib.Repository r = repoDir == null ? null : openQuietly(repoDir)) {
                if (repo != null && r == null) {
                    throw new dev.agentsandbox.error.UsageException("--repo " + repo + " is not a git repository");
                }
                var decided = new ApprovalService(Clock.systemUTC(), Redaction::redact)
                        .decide(session, decision, by, comment, signingKey.load(), r, CiEnvironment.gitCredentials(System.getenv()));
                a = decided.approval();
                progress = decided.progress();
            }
        }
        spec.commandLine().getOut().printf("%s: run %s, commit %s, by %s%s%n",
                decision == Approval.Decision.APPROVE ? (a.override() ? "approved (over failed gates)" : "approved") : "rejected",
                a.runId(), a.headCommit(), a.by(), decision == Approval.Decision.APPROVE ? "; " + progress : "");
        return ExitCodes.OK;
    }
}
