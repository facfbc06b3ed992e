package dev.agentsandbox.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentsandbox.audit.Attestor;
import dev.agentsandbox.audit.AuditLog;
import dev.agentsandbox.audit.BundleVerifier;
import dev.agentsandbox.audit.Digests;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Records one decision per run, after checking the bundle is exactly what the gates signed. */
public final class ApprovalService {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Clock clock;
    private final UnaryOperator<String> redactor;

    public ApprovalService(Clock clock, UnaryOperator<String> redactor) {
        this.clock = clock;
        this.redactor = redactor;
    }

    public Approval decide(Path bundle, Approval.Decision decision, String by, String comment, KeyPair key, PublicKey pinned)
            throws AgentSandboxException {
        BundleVerifier.Verification v = BundleVerifier.verify(bundle, pinned);
        if (!v.ok()) {
            throw new RefusedException("the bundle does not verify, so there is nothing trustworthy to decide on:\n  - "
                    + String.join("\n  - ", v.problems()));
        }
        if (Files.exists(bundle.resolve(Layout.APPROVAL))) {
            throw new RefusedException("run already decided (" + Layout.APPROVAL + " exists): one decision per run; start a new run to change it");
        }
        JsonNode run = read(bundle.resolve(Layout.RUN_JSON));
        if (!run.hasNonNull("headCommit")) {
            throw new RefusedException("run " + run.path("runId").asText() + " committed nothing: there is no change to decide on");
        }
        boolean failed = run.path("verdict").asText().equals("fail");
        boolean override = false;
        if (decision == Approval.Decision.APPROVE && failed) {
            if (!run.path("merge").path("allowOverride").asBoolean(false)) {
                throw new RefusedException("the gates of run " + run.path("runId").asText() + " failed; the policy does not allow"
                        + " approving over them (merge.allow-override is false): fix the change and run again");
            }
            override = true;
        }
        Approval a;
        try {
            a = new Approval(decision, by, clock.instant().toString(), comment, run.path("runId").asText(), run.path("headCommit").asText(),
                    Digests.sha256(bundle.resolve(Layout.GATES)), override);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (IOException e) {
            throw new InfrastructureException("cannot read " + Layout.GATES + ": " + e.getMessage(), e);
        }
        try {
            Files.writeString(bundle.resolve(Layout.APPROVAL), redactor.apply(JSON.writeValueAsString(a)));
        } catch (IOException e) {
            throw new InfrastructureException("cannot write " + Layout.APPROVAL + ": " + e.getMessage(), e);
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("decision", a.decision().name().toLowerCase(java.util.Locale.ROOT));
        facts.put("by", a.by());
        facts.put("headCommit", a.headCommit());
        facts.put("gatesDigest", a.gatesDigest());
        facts.put("override", a.override());
        try (AuditLog log = AuditLog.open(bundle.resolve(Layout.AUDIT), clock, redactor)) {
            log.append("approval", facts.get("decision").toString(), Map.of("by", by, "comment", a.comment(), "headCommit", a.headCommit(),
                    "gatesDigest", a.gatesDigest(), "override", override));
            Attestor.sign(bundle, "approval", key, log.head(), facts);
        }
        return a;
    }

    /** The decision in a bundle, or null when there is none. */
    public static Approval read(Path bundle, boolean required) throws AgentSandboxException {
        Path f = bundle.resolve(Layout.APPROVAL);
        if (!Files.exists(f)) {
            if (required) {
                throw new RefusedException("run has no approval: a reviewer must run `agent-sandbox approve` first");
            }
            return null;
        }
        try {
            return JSON.readValue(f.toFile(), Approval.class);
        } catch (IOException e) {
            throw new RefusedException(Layout.APPROVAL + " cannot be read: " + e.getMessage());
        }
    }

    static JsonNode read(Path file) throws InfrastructureException {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new InfrastructureException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
