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
    public static final String ATTESTATIONS = "attestation";
    /** The agent's questions and the host's answers during a run. */
    public static final String CHECKPOINTS = "checkpoints";

    private Layout() {
    }

    public static String envelope(String stage) {
        return ATTESTATIONS + "/" + stage + ".dsse.json";
    }

    public static String publicKey(String stage) {
        return ATTESTATIONS + "/" + stage + ".pub";
    }

    /** Most decisions one run can take (a quorum is at most 20). */
    public static final int MAX_DECISIONS = 40;

    /** The k-th decision's stage: approval, approval-2, approval-3, … */
    public static String approvalStage(int k) {
        return k == 1 ? "approval" : "approval-" + k;
    }

    /** The k-th decision's record: approval.json, approval-2.json, … */
    public static String approvalFile(int k) {
        return approvalStage(k) + ".json";
    }

    /** Whether a stage is a decision (approval, approval-2, …). */
    public static boolean isApprovalStage(String stage) {
        return stage != null && (stage.equals("approval") || stage.matches("approval-\\d+"));
    }

    /** The stages present in a bundle with these files, in order: gates, each decision, merge. */
    public static java.util.List<String> stagesOf(java.util.Set<String> files) {
        java.util.List<String> stages = new java.util.ArrayList<>(java.util.List.of("gates"));
        for (int k = 1; k <= MAX_DECISIONS; k++) {
            String st = approvalStage(k);
            if (!files.contains(envelope(st)) && !files.contains(approvalFile(k))) {
                break;
            }
            stages.add(st);
        }
        stages.add("merge");
        return stages;
    }

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
        return relativePath.matches(ATTESTATIONS + "/(gates|merge|approval(-\\d+)?)\\.(dsse\\.json|pub)");
    }
}
