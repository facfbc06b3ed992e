package dev.agentsandbox.bundle;

import dev.agentsandbox.audit.AuditLog;
import dev.agentsandbox.audit.Dsse;
import dev.agentsandbox.audit.Envelope;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.audit.Statement;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Signs what a bundle holds at one stage (gates, approval, merge) as an in-toto Statement v1 in a
 * DSSE envelope: the head commit and the patch as subjects; the digests of every other file, the
 * anchor in the audit log, the previous stage's envelope digest (so that the stages are a chain
 * no stage can be cut from), and the stage's facts as the predicate. It signs the bytes it is
 * given, never what it would read from disk again.
 */
public final class Attestor {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    public static final String STATEMENT_TYPE = Statement.TYPE;
    public static final String PREDICATE_TYPE = "https://agent-sandbox.dev/attestation/run/v1";

    private Attestor() {
    }

    /** The envelope and public key of one stage, to be written into the bundle. */
    public record Signed(String keyId, byte[] envelope, byte[] publicKey) {
    }

    /**
     * @param contents the bundle as it will be once this stage's files are written (the envelope aside)
     * @param key the signing key pair; null signs with a fresh key whose private half is dropped
     */
    public static Signed statement(BundleSnapshot contents, String stage, KeyPair key, AuditLog.Head anchor, Map<String, ?> facts)
            throws AgentSandboxException {
        java.util.List<String> stages = Layout.stagesOf(contents.files().keySet());
        int at = stages.indexOf(stage);
        String previous = stage.equals("gates") ? null : at > 0 ? stages.get(at - 1) : null;
        if (stage.equals("merge")) {
            previous = stages.get(stages.size() - 2);
        }
        return statement(contents, stage, previous, key, anchor, facts);
    }

    /** @param previousStage the stage this one follows (its envelope's digest is bound in); null for gates */
    public static Signed statement(BundleSnapshot contents, String stage, String previousStage, KeyPair key, AuditLog.Head anchor,
                                   Map<String, ?> facts) throws AgentSandboxException {
        KeyPair pair = key != null ? key : SigningKeys.oneTime();
        RunRecord run = contents.run();
        List<Statement.Subject> subjects = new ArrayList<>();
        if (run.headCommit() != null) {
            subjects.add(new Statement.Subject("git+commit:" + run.featureBranch(), Map.of("gitCommit", run.headCommit())));
        }
        if (contents.has(Layout.PATCH)) {
            subjects.add(new Statement.Subject(Layout.PATCH, Map.of("sha256", contents.sha256(Layout.PATCH))));
        }
        ObjectNode p = JSON.createObjectNode();
        p.put("stage", stage);
        p.put("runId", run.runId());
        if (previousStage != null) {
            String prev = previousStage;
            String digest = contents.sha256(Layout.envelope(prev));
            if (digest == null) {
                throw new InfrastructureException("cannot sign the " + stage + " stage: the bundle has no " + prev + " attestation");
            }
            p.putObject("previous").put("stage", prev).put("envelopeSha256", digest);
        }
        p.set("facts", JSON.valueToTree(facts));
        p.putObject("audit").put("seq", anchor.seq()).put("hash", anchor.hash());
        p.set("files", JSON.valueToTree(contents.attestedDigests()));
        p.put("keyEphemeral", key == null);
        byte[] payload = new Statement(subjects, PREDICATE_TYPE, p).toJson();
        Envelope env = Envelope.sign(Dsse.IN_TOTO, payload, pair);
        return new Signed(SigningKeys.keyId(pair.getPublic()), env.toJson(), SigningKeys.publicPem(pair.getPublic()).getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes a stage's envelope and public key into the bundle (new files renamed into place). */
    public static void write(java.nio.file.Path bundle, String stage, Signed signed) throws InfrastructureException {
        try {
            BundleSnapshot.write(bundle, Layout.publicKey(stage), signed.publicKey());
            BundleSnapshot.write(bundle, Layout.envelope(stage), signed.envelope());
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the " + stage + " attestation: " + e.getMessage(), e);
        }
    }

    /** Signs the bundle as it is on disk now (the run itself, which alone writes it until then). */
    public static String sign(java.nio.file.Path bundle, String stage, KeyPair key, AuditLog.Head anchor, Map<String, ?> facts)
            throws AgentSandboxException {
        Signed s = statement(BundleSnapshot.read(bundle), stage, key, anchor, facts);
        write(bundle, stage, s);
        return s.keyId();
    }
}
