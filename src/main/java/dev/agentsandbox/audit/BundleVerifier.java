package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Verifies a bundle: the audit chain, each attestation's signature and its anchor in the log,
 * and that every file is byte for byte what the newest attestation signed. Says exactly what fails.
 */
public final class BundleVerifier {
    public static final List<String> STAGES = List.of("gates", "approval", "merge");

    /** What verification found: problems fail it; notes do not. */
    public record Verification(List<String> problems, List<String> notes, String newestStage) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private BundleVerifier() {
    }

    /** @param pinned the public key the signatures must verify with; null: each envelope's own key (noted as not pinned) */
    public static Verification verify(Path bundle, PublicKey pinned) throws UsageException {
        if (!Files.isRegularFile(bundle.resolve(Layout.RUN_JSON))) {
            throw new UsageException(bundle + " is not a run bundle (no " + Layout.RUN_JSON + ")");
        }
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        AuditVerifier.Result chain;
        try {
            chain = AuditVerifier.verify(bundle.resolve(Layout.AUDIT));
        } catch (IOException e) {
            problems.add(Layout.AUDIT + ": cannot be read: " + e.getMessage());
            return new Verification(problems, notes, null);
        }
        problems.addAll(chain.problems());
        if (chain.tornTail()) {
            notes.add(Layout.AUDIT + ": the last record is incomplete (a crash while writing it); verified up to record " + chain.records());
        }
        JsonNode newest = null;
        String newestStage = null;
        for (String stage : STAGES) {
            Path env = bundle.resolve(Layout.envelope(stage));
            if (!Files.exists(env)) {
                continue;
            }
            JsonNode statement = statement(bundle, stage, pinned, problems, notes);
            if (statement == null) {
                continue;
            }
            JsonNode anchor = statement.path("predicate").path("audit");
            String at = chain.hashes().get(anchor.path("seq").asLong(-1));
            if (!anchor.path("hash").asText().equals(at)) {
                problems.add(Layout.AUDIT + ": record " + anchor.path("seq").asText() + " is not the one " + Layout.envelope(stage) + " signed");
            }
            newest = statement;
            newestStage = stage;
        }
        if (newest == null) {
            if (problems.isEmpty()) {
                problems.add("the bundle has no valid attestation (" + Layout.envelope("gates") + ")");
            }
            return new Verification(problems, notes, null);
        }
        checkFiles(bundle, newest.path("predicate").path("files"), newestStage, problems);
        long anchored = newest.path("predicate").path("audit").path("seq").asLong();
        if (chain.records() - 1 > anchored) {
            notes.add(Layout.AUDIT + ": " + (chain.records() - 1 - anchored) + " record(s) after the " + newestStage + " attestation are not signed");
        }
        return new Verification(problems, notes, newestStage);
    }

    private static JsonNode statement(Path bundle, String stage, PublicKey pinned, List<String> problems, List<String> notes) {
        String envName = Layout.envelope(stage);
        try {
            JsonNode env = AuditLog.JSON.readTree(bundle.resolve(envName).toFile());
            PublicKey key = pinned;
            if (key == null) {
                key = SigningKeys.readPublic(bundle.resolve(Layout.publicKey(stage)));
                notes.add(envName + ": verified with the key stored in the bundle (" + SigningKeys.keyId(key).substring(0, 16)
                        + "…), not a pinned one: pass --key to check who signed");
            }
            byte[] payload = Dsse.verify(env, key);
            if (payload == null) {
                problems.add(envName + ": the signature does not verify with key " + SigningKeys.keyId(key).substring(0, 16) + "…");
                return null;
            }
            JsonNode st = AuditLog.JSON.readTree(payload);
            if (!Attestor.STATEMENT_TYPE.equals(st.path("_type").asText())) {
                problems.add(envName + ": not an in-toto Statement v1");
                return null;
            }
            if (st.path("predicate").path("keyEphemeral").asBoolean()) {
                notes.add(envName + ": signed with a one-time key (no --signing-key was configured)");
            }
            return st;
        } catch (IOException | UsageException e) {
            problems.add(envName + ": cannot be read: " + e.getMessage());
            return null;
        }
    }

    private static void checkFiles(Path bundle, JsonNode files, String stage, List<String> problems) {
        Map<String, String> now;
        try {
            now = Attestor.digests(bundle);
        } catch (IOException e) {
            problems.add("cannot read the bundle's files: " + e.getMessage());
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            var e = it.next();
            String actual = now.remove(e.getKey());
            if (actual == null) {
                problems.add(e.getKey() + ": missing (the " + stage + " attestation covers it)");
            } else if (!actual.equals(e.getValue().asText())) {
                problems.add(e.getKey() + ": sha256 differs from the attested one");
            }
        }
        for (String extra : now.keySet()) {
            problems.add(extra + ": not covered by the " + stage + " attestation (added afterwards)");
        }
    }
}
