package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Signs what a bundle holds at one stage (gates, approval, merge) as an in-toto Statement v1 in a
 * DSSE envelope: the head commit and the patch as subjects; the digests of every other file,
 * the anchor in the audit log, and the stage's facts as the predicate.
 */
public final class Attestor {
    public static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
    public static final String PREDICATE_TYPE = "https://agent-sandbox.dev/attestation/run/v1";

    private Attestor() {
    }

    /**
     * @param key the signing key pair; null signs with a fresh key whose private half is dropped
     * @return the key id used
     */
    public static String sign(Path bundle, String stage, KeyPair key, AuditLog.Head anchor, Map<String, ?> facts)
            throws InfrastructureException {
        KeyPair pair = key != null ? key : SigningKeys.generate();
        try {
            JsonNode run = AuditLog.JSON.readTree(bundle.resolve(Layout.RUN_JSON).toFile());
            ObjectNode st = AuditLog.JSON.createObjectNode();
            st.put("_type", STATEMENT_TYPE);
            ArrayNode subject = st.putArray("subject");
            if (run.hasNonNull("headCommit")) {
                ObjectNode c = subject.addObject();
                c.put("name", "git+commit:" + run.path("featureBranch").asText());
                c.putObject("digest").put("gitCommit", run.path("headCommit").asText());
            }
            if (Files.exists(bundle.resolve(Layout.PATCH))) {
                subject.addObject().put("name", Layout.PATCH).putObject("digest").put("sha256", Digests.sha256(bundle.resolve(Layout.PATCH)));
            }
            st.put("predicateType", PREDICATE_TYPE);
            ObjectNode p = st.putObject("predicate");
            p.put("stage", stage);
            p.put("runId", run.path("runId").asText());
            p.set("facts", AuditLog.JSON.valueToTree(facts));
            p.putObject("audit").put("seq", anchor.seq()).put("hash", anchor.hash());
            p.set("files", AuditLog.JSON.valueToTree(digests(bundle)));
            p.put("keyEphemeral", key == null);
            byte[] payload = AuditLog.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(st);
            ObjectNode env = Dsse.sign(Dsse.IN_TOTO, payload, pair.getPrivate(), pair.getPublic());
            Files.createDirectories(bundle.resolve(Layout.ATTESTATIONS));
            Files.writeString(bundle.resolve(Layout.publicKey(stage)), SigningKeys.publicPem(pair.getPublic()), StandardCharsets.US_ASCII);
            Files.write(bundle.resolve(Layout.envelope(stage)), AuditLog.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(env));
            return SigningKeys.keyId(pair.getPublic());
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the " + stage + " attestation: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of every attested file of the bundle, by relative path, sorted. */
    public static Map<String, String> digests(Path bundle) throws IOException {
        Map<String, String> out = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(bundle)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String rel = bundle.relativize(f).toString().replace('\\', '/');
            if (Layout.attested(rel)) {
                out.put(rel, Digests.sha256(f));
            }
        }
        return out;
    }
}
