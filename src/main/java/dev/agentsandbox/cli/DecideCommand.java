package dev.agentsandbox.cli;

import dev.agentsandbox.approval.Approval;
import dev.agentsandbox.approval.ApprovalService;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.run.Redaction;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** approve and reject: the same options, one decision each. */
abstract class DecideCommand {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--run", required = true, description = "the run bundle")
    Path bundle;

    @Option(names = "--by", required = true, description = "who decides (the CI system's authenticated user)")
    String by;

    @Option(names = "--comment", defaultValue = "", description = "the reviewer's words")
    String comment;

    @Option(names = "--key", description = "public key the run's attestation must verify with")
    Path key;

    @Option(names = "--signing-key", description = "Ed25519 private key that signs the decision (default: $AGENT_SANDBOX_SIGNING_KEY)")
    Path signingKey;

    int decide(Approval.Decision decision) throws AgentSandboxException {
        var pinned = key == null ? null : SigningKeys.readPublic(key);
        Approval a = new ApprovalService(Clock.systemUTC(), Redaction::redact)
                .decide(bundle, decision, by, comment, SigningKeys.load(signingKey), pinned);
        spec.commandLine().getOut().printf("%s: run %s, commit %s, by %s%n",
                decision == Approval.Decision.APPROVE ? (a.override() ? "approved (over failed gates)" : "approved") : "rejected",
                a.runId(), a.headCommit(), a.by());
        return ExitCodes.OK;
    }
}
