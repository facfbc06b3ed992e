package dev.agentsandbox.bundle;

import dev.agentsandbox.audit.AuditVerifier;
import dev.agentsandbox.audit.Dsse;
import dev.agentsandbox.audit.Envelope;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.audit.Statement;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.error.AgentSandboxException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Verifies a bundle from one in-memory snapshot of it: the audit chain (whole: a torn or unsigned
 * tail fails), each attestation for what it is (signature, payload type, statement and predicate
 * type, stage, run id, subjects) and its place in the chain of stages (each names the digest of the
 * one before), that the audit log records no stage the attestations lack (a stage cut away), and
 * that every file is byte for byte what the newest attestation signed, with nothing beside it.
 */
public final class BundleVerifier {
    /**
     * What verification found: problems fail it; notes do not.
     *
     * @param newestStage the last stage of the chain that verified (gates, approval, merge), or null
     * @param statements the verified statement of each stage present
     */
    public record Verification(List<String> problems, List<String> notes, String newestStage, Map<String, JsonNode> statements) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private BundleVerifier() {
    }

    /** Reads the bundle once and verifies that snapshot. */
    public static Verification verify(Path bundle, PublicKey pinned) throws AgentSandboxException {
        return verify(BundleSnapshot.read(bundle), pinned);
    }

    /** @param pinned the public key the signatures must verify with; null: each envelope's own key (noted as not pinned) */
    public static Verification verify(BundleSnapshot bundle, PublicKey pinned) throws AgentSandboxException {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, JsonNode> statements = new LinkedHashMap<>();
        RunRecord run;
        try {
            run = bundle.run();
        } catch (AgentSandboxException e) {
            // Its digest check below names it; the statements are then checked without what it says.
            problems.add(Layout.RUN_JSON + ": not a valid run record (changed after it was signed?)");
            run = null;
        }
        for (String f : bundle.files().keySet()) {
            if (f.startsWith(Layout.ATTESTATIONS + "/") && !Layout.attestationFile(f)) {
                problems.add(f + ": not a file a run writes (only <stage>.dsse.json and <stage>.pub belong in " + Layout.ATTESTATIONS + "/)");
            }
        }
        byte[] log = bundle.get(Layout.AUDIT);
        if (log == null) {
            problems.add(Layout.AUDIT + ": missing");
            return new Verification(problems, notes, null, statements);
        }
        AuditVerifier.Result chain = AuditVerifier.verify(log);
        problems.addAll(chain.problems());
        if (chain.tornTail()) {
            problems.add(Layout.AUDIT + ": ends in an incomplete record after record " + chain.records()
                    + " (a crash while writing, or a record added by hand); only the run that wrote it may repair it");
        }
        JsonNode newest = null;
        String newestStage = null;
        String previous = null;
        List<String> stages = Layout.stagesOf(bundle.files().keySet());
        // Every attestation file belongs to a stage of the one chain: approval-9 without 2 to 8 is outside it.
        for (String f : bundle.files().keySet()) {
            if (Layout.attestationFile(f)) {
                String stage = f.substring(Layout.ATTESTATIONS.length() + 1).replaceAll("\\.(dsse\\.json|pub)$", "");
                if (!stages.contains(stage)) {
                    problems.add(f + ": outside the bundle's chain of stages (" + String.join(" → ", stages) + ")");
                }
            }
        }
        for (int i = 0; i < stages.size(); i++) {
            String stage = stages.get(i);
            String envName = Layout.envelope(stage);
            if (!bundle.has(envName)) {
                if (Layout.isApprovalStage(stage)) {
                    problems.add(Layout.approvalFile(Layout.isApprovalStage(stage) ? decisionNumber(stage) : 1) + ": a decision with no attestation");
                }
                previous = null;
                continue;
            }
            if (i > 0 && previous == null) {
                problems.add(envName + ": there is no valid " + stages.get(i - 1) + " attestation before it");
                continue;
            }
            JsonNode st = statement(bundle, stage, run, pinned, problems, notes);
            if (st == null) {
                previous = null;
                continue;
            }
            if (i > 0) {
                String expected = bundle.sha256(Layout.envelope(stages.get(i - 1)));
                JsonNode prev = st.path("predicate").path("previous");
                if (!stages.get(i - 1).equals(prev.path("stage").asText()) || !expected.equals(prev.path("envelopeSha256").asText())) {
                    problems.add(envName + ": does not name the " + stages.get(i - 1) + " attestation of this bundle as its previous stage"
                            + " (an envelope of another run or stage, or a replaced one)");
                    previous = null;
                    continue;
                }
            } else if (st.path("predicate").has("previous")) {
                problems.add(envName + ": a gates statement names a previous stage");
                continue;
            }
            JsonNode anchor = st.path("predicate").path("audit");
            String at = chain.hashes().get(anchor.path("seq").asLong(-1));
            if (!anchor.path("hash").asText().equals(at)) {
                problems.add(Layout.AUDIT + ": record " + anchor.path("seq").asText() + " is not the one " + envName + " signed");
            }
            statements.put(stage, st);
            newest = st;
            newestStage = stage;
            previous = stage;
        }
        // A stage cut away: its records stay in a log that was not cut, or the log was cut with it.
        long decisionsLogged = chain.stages().stream().filter("approval"::equals).count();
        long decisionsAttested = statements.keySet().stream().filter(Layout::isApprovalStage).count();
        if (decisionsLogged > decisionsAttested) {
            problems.add(Layout.AUDIT + ": records a approval stage that the bundle has no valid attestation for (a stage was removed:"
                    + " " + decisionsLogged + " decision(s) logged, " + decisionsAttested + " attested)");
        }
        if (chain.stages().contains("merge") && !statements.containsKey("merge")) {
            problems.add(Layout.AUDIT + ": records a merge stage that the bundle has no valid attestation for (a stage was removed)");
        }
        if (newest == null) {
            if (problems.isEmpty()) {
                problems.add("the bundle has no valid attestation (" + Layout.envelope("gates") + ")");
            }
            return new Verification(problems, notes, null, statements);
        }
        checkFiles(bundle, newest.path("predicate").path("files"), newestStage, problems);
        long anchored = newest.path("predicate").path("audit").path("seq").asLong();
        if (chain.records() - 1 > anchored) {
            problems.add(Layout.AUDIT + ": " + (chain.records() - 1 - anchored) + " record(s) after the " + newestStage
                    + " attestation are not signed (added afterwards)");
        }
        return new Verification(problems, notes, newestStage, statements);
    }

    private static int decisionNumber(String stage) {
        return stage.equals("approval") ? 1 : Integer.parseInt(stage.substring("approval-".length()));
    }

    private static JsonNode statement(BundleSnapshot bundle, String stage, RunRecord run, PublicKey pinned, List<String> problems,
                                      List<String> notes) {
        String envName = Layout.envelope(stage);
        try {
            Envelope env = Envelope.parse(bundle.get(envName));
            PublicKey key = pinned;
            if (key == null) {
                byte[] pem = bundle.get(Layout.publicKey(stage));
                if (pem == null) {
                    problems.add(envName + ": no key to verify it with (no --key, no " + Layout.publicKey(stage) + ")");
                    return null;
                }
                key = SigningKeys.readPublic(pem);
                notes.add(envName + ": verified with the key stored in the bundle (" + SigningKeys.keyId(key).substring(0, 16)
                        + "…), not a pinned one: pass --key to check who signed");
            }
            if (!Dsse.IN_TOTO.equals(env.payloadType())) {
                problems.add(envName + ": payload type '" + env.payloadType() + "' is not " + Dsse.IN_TOTO);
                return null;
            }
            byte[] payload = env.verifiedPayload(key);
            if (payload == null) {
                problems.add(envName + ": " + (env.signatures().size() != 1 ? env.signatures().size() + " signatures, where a run writes one"
                        : "the signature does not verify with key " + SigningKeys.keyId(key).substring(0, 16) + "… (or names another key id)"));
                return null;
            }
            byte[] stored = bundle.get(Layout.publicKey(stage));
            if (pinned != null && stored != null && !java.util.Arrays.equals(SigningKeys.readPublic(stored).getEncoded(), pinned.getEncoded())) {
                // the pinned key decides; a different key beside the envelope is someone's substitution
                problems.add(Layout.publicKey(stage) + ": is not the pinned key (a key swapped into the bundle)");
                return null;
            }
            Statement statement = Statement.parse(payload);
            JsonNode st = statement.toJsonNode();
            List<String> wrong = new ArrayList<>();
            if (!Attestor.PREDICATE_TYPE.equals(statement.predicateType())) {
                wrong.add("predicate type '" + statement.predicateType() + "' is not " + Attestor.PREDICATE_TYPE);
            }
            if (!stage.equals(st.path("predicate").path("stage").asText())) {
                wrong.add("it attests the '" + st.path("predicate").path("stage").asText() + "' stage, not " + stage);
            }
            if (run != null && !String.valueOf(run.runId()).equals(st.path("predicate").path("runId").asText())) {
                wrong.add("it is for run " + st.path("predicate").path("runId").asText() + ", not " + run.runId());
            }
            if (run != null) {
                wrong.addAll(subjects(bundle, run, statement));
            }
            if (!wrong.isEmpty()) {
                problems.add(envName + ": " + String.join("; ", wrong));
                return null;
            }
            if (st.path("predicate").path("keyEphemeral").asBoolean()) {
                notes.add(envName + ": signed with a one-time key (no --signing-key was configured)");
            }
            return st;
        } catch (RuntimeException | AgentSandboxException e) {
            problems.add(envName + ": cannot be read: " + e.getMessage());
            return null;
        }
    }

    /** The subjects must be this bundle's: its head commit and its patch, nothing else. */
    private static List<String> subjects(BundleSnapshot bundle, RunRecord run, Statement st) {
        List<String> wrong = new ArrayList<>();
        Map<String, String> want = new TreeMap<>();
        if (run.headCommit() != null) {
            want.put("git+commit:" + run.featureBranch(), "gitCommit=" + run.headCommit());
        }
        if (bundle.has(Layout.PATCH)) {
            // the patch's own bytes are checked with every other file; here, that the subject is the attested patch
            want.put(Layout.PATCH, "sha256=" + st.predicate().path("files").path(Layout.PATCH).asText());
        }
        Map<String, String> got = new TreeMap<>();
        for (Statement.Subject s : st.subjects()) {
            StringBuilder b = new StringBuilder();
            s.digest().forEach((alg, value) -> b.append(b.length() == 0 ? "" : ",").append(alg).append('=').append(value));
            got.put(s.name(), b.toString());
        }
        if (!want.equals(got)) {
            wrong.add("its subjects " + got + " are not this bundle's " + want);
        }
        return wrong;
    }

    private static void checkFiles(BundleSnapshot bundle, JsonNode files, String stage, List<String> problems) {
        SortedMap<String, String> now = new TreeMap<>(bundle.attestedDigests());
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
