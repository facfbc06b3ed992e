package dev.agentsandbox.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * run.json, typed: what a run was asked, what it settled and how it ended. The run writes it
 * ({@link RunRecorder}); approve, merge, verify, continuations and the CI wrappers read it
 * ({@link BundleSnapshot#run()}). Unknown keys are ignored on reading so that a newer bundle
 * still reads; nothing here is trusted before the bundle's attestation verifies.
 *
 * @param verdict running, pass, warn, fail, no-change, plan or error
 * @param kind "plan" for a plan-first run; absent for a change
 * @param commitSigner the OpenSSH public key that signed the agent's commit; absent when it is not signed
 * @param exitCode the CLI's exit code for this outcome, once finished
 * @param modelIdentity who the proxy signed as, per cloud upstream (role, the CI token's subject and audience, key id); never a secret
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunRecord(int schema, String runId, String startedAt, String repo, String baseBranch, String baseCommit,
                        String repository, String featureBranch, String headCommit, Outcome verdict, String image, List<String> command,
                        String tier, String runtime, Merge merge, String task, Map<String, String> reports,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String kind,
                        @JsonInclude(JsonInclude.Include.NON_NULL) PlanRef plan,
                        @JsonInclude(JsonInclude.Include.NON_NULL) DataClass dataClass,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Risk risk,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Quorum approval,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String requestedBy,
                        @JsonProperty("notify") @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode notifications,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String commitSigner,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Integer exitCode,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String error,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String finishedAt,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Trigger trigger,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Map<String, String>> modelIdentity) {
    public static final String PLAN = "plan";

    public RunRecord {
        command = command == null ? List.of() : List.copyOf(command);
        reports = reports == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(reports));
    }

    /** Whether this is a plan-first run (no bean name: Jackson would take it for the "plan" property). */
    public boolean planFirst() {
        return PLAN.equals(kind);
    }

    /** How and where an approved change merges. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Merge(String strategy, String remote, boolean allowOverride) {
    }

    /** The approved plan a run carries out. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PlanRef(String sha256, String run, List<String> approvedBy) {
    }

    /** The repository's data class under the organisation policy. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DataClass(@JsonProperty("class") String name, String rule, String policySha256) {
    }

    /** The run's risk tier and why. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Risk(String tier, List<String> reasons) {
        public Risk {
            reasons = reasons == null ? List.of() : List.copyOf(reasons);
        }
    }

    /** The approvals a tier needs: how many, from whom, self-approval, expiry. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Quorum(int approvers, List<String> allowed, boolean allowSelf, Long expirySeconds) {
        public Quorum {
            allowed = allowed == null ? List.of() : List.copyOf(allowed);
        }
    }

    /** What is known when a run begins. */
    /**
     * Where a run was asked for when a person started it from a forge: a comment with the command, or
     * a label on an issue. Its author is the run's requester.
     *
     * @param event the forge's event: issue_comment, pull_request_review_comment, issues (labeled)
     * @param url the comment's or the page
     * @param author the login of who asked
     * @param permission their role on the repository when they asked (admin, maintain, write, …)
     * @param sha256 SHA-256 of the text that asked (the comment's body; for a label, the title and body)
     * @param untrustedContext what was done with text from people without the permission: none, dropped or marked
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Trigger(String event, String url, String author, String permission, String sha256, String untrustedContext) {
    }

    public record Start(String repo, String baseBranch, String baseCommit, String repository, String featureBranch, String image,
                        List<String> command, String tier, String runtime, Merge merge, String task, String commitSigner) {
    }
}
