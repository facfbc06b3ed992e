package dev.agentsandbox.bundle;

/** The names of the files in a run bundle: in one place, for the run, approval, merge and verify. */
public final class Layout {
    public static final String RUN_JSON = "run.json";
    public static final String AUDIT = "audit.jsonl";
    public static final String PATCH = "change.patch";
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

    /** Files whose digests an attestation covers: everything but the log and the attestations. */
    public static boolean attested(String relativePath) {
        return !relativePath.equals(AUDIT) && !relativePath.startsWith(ATTESTATIONS + "/") && !relativePath.endsWith(".tmp");
    }
}
