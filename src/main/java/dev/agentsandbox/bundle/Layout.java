package dev.agentsandbox.bundle;

/** The names of the files in a run bundle: in one place, for the run, approval, merge and verify. */
public final class Layout {
    public static final String RUN_JSON = "run.json";
    public static final String AUDIT = "audit.jsonl";
    public static final String PATCH = "change.patch";
    /** The agent's commit as a git bundle (the merge job's source when the run's repository is gone). */
    public static final String CHANGE_BUNDLE = "change.bundle";
    public static final String GATES = "gates.json";
    public static final String REPORTS = "reports";
    public static final String LOGS = "logs";
    public static final String APPROVAL = "approval.json";
    public static final String ATTESTATIONS = "attestation";

    private Layout() {
    }

    public static String envelope(String stage) {
        return ATTESTATIONS + "/" + stage + ".dsse.json";
    }

    public static String publicKey(String stage) {
        return ATTESTATIONS + "/" + stage + ".pub";
    }

    /** The stages a run passes, in order; each one's attestation names the one before. */
    public static final java.util.List<String> STAGES = java.util.List.of("gates", "approval", "merge");

    /**
     * Files whose digests an attestation covers: everything but the log (chained and anchored
     * instead) and the attestations (signed themselves). No name is skipped: a file outside this
     * list, or an unknown file among the attestations, fails verification.
     */
    public static boolean attested(String relativePath) {
        return !relativePath.equals(AUDIT) && !relativePath.startsWith(ATTESTATIONS + "/");
    }

    /** Whether a path under attestation/ is one a run writes (an envelope or a public key of a stage). */
    public static boolean attestationFile(String relativePath) {
        for (String stage : STAGES) {
            if (relativePath.equals(envelope(stage)) || relativePath.equals(publicKey(stage))) {
                return true;
            }
        }
        return false;
    }
}
