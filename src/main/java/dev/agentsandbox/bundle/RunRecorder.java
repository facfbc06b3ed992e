package dev.agentsandbox.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Writes run.json: once when the run begins (so a crash still leaves it), again at each fact, and when it ends. */
public final class RunRecorder {
    /** The outcome of a run whose agent changed nothing. */
    private static final Map<String, String> REPORTS = reports();

    private final Path file;
    private final Clock clock;
    private final UnaryOperator<String> redact;
    private final String runId;
    private final String startedAt;
    // What is known so far; each setter writes the record whole.
    private RunRecord.Start start;
    private String headCommit;
    private Outcome verdict;
    private String kind;
    private RunRecord.PlanRef plan;
    private RunRecord.DataClass dataClass;
    private Map<String, Map<String, String>> modelIdentity;
    private RunRecord.Risk risk;
    private RunRecord.Quorum approval;
    private String requestedBy;
    private JsonNode notifications;
    private Integer exitCode;
    private String error;
    private String finishedAt;
    private RunRecord.Trigger trigger;

    RunRecorder(Path file, String runId, Clock clock, UnaryOperator<String> redact) {
        this.file = file;
        this.clock = clock;
        this.redact = redact;
        this.runId = runId;
        this.startedAt = clock.instant().toString();
    }

    private static Map<String, String> reports() {
        Map<String, String> reports = new LinkedHashMap<>();
        reports.put("sarif", "reports/results.sarif");
        reports.put("junit", "reports/junit.xml");
        reports.put("sbom", "reports/sbom.cdx.json");
        reports.put("gitlabSast", "reports/gl-sast-report.json");
        reports.put("summary", "reports/summary.md");
        reports.put("review", "reports/review.html");
        return reports;
    }

    public synchronized void begin(RunRecord.Start s) throws InfrastructureException {
        start = s;
        verdict = Outcome.RUNNING;
        write();
    }

    /** Where the run was asked for (a forge comment or label), before anything of the agent's. */
    public synchronized void trigger(RunRecord.Trigger trigger) throws InfrastructureException {
        this.trigger = trigger;
        write();
    }

    public synchronized void plan(RunRecord.PlanRef plan) throws InfrastructureException {
        this.plan = plan;
        write();
    }

    /** Who the proxy signs as for each cloud upstream (never a secret). */
    public synchronized void modelIdentity(Map<String, Map<String, String>> identities) throws InfrastructureException {
        this.modelIdentity = identities.isEmpty() ? null : new java.util.LinkedHashMap<>(identities);
        write();
    }

    public synchronized void dataClass(RunRecord.DataClass dataClass) throws InfrastructureException {
        this.dataClass = dataClass;
        write();
    }

    /**
     * What approve and merge read (attested with run.json): the kind, the risk tier, the approvals
     * it needs, who asked, and whom to tell (names of host variables only).
     */
    public synchronized void decision(String kind, RunRecord.Risk risk, RunRecord.Quorum approval, String requestedBy, JsonNode notify)
            throws InfrastructureException {
        this.kind = kind;
        this.risk = risk;
        this.approval = approval;
        this.requestedBy = requestedBy;
        this.notifications = notify;
        write();
    }

    public synchronized void finish(String headCommit, Outcome verdict, String error) throws InfrastructureException {
        this.headCommit = headCommit;
        this.verdict = verdict;
        this.error = error;
        this.exitCode = verdict.exitCode().code();
        this.finishedAt = clock.instant().toString();
        write();
    }

    public synchronized RunRecord current() {
        RunRecord.Start s = start;
        return new RunRecord(1, runId, startedAt, s == null ? null : s.repo(), s == null ? null : s.baseBranch(),
                s == null ? null : s.baseCommit(), s == null ? null : s.repository(),
                s == null || headCommit == null && finishedAt != null ? null : s.featureBranch(), headCommit, verdict,
                s == null ? null : s.image(), s == null ? null : s.command(), s == null ? null : s.tier(), s == null ? null : s.runtime(),
                s == null ? null : s.merge(), s == null ? null : s.task(), s == null ? null : REPORTS, kind, plan, dataClass, risk, approval,
                requestedBy, notifications, s == null ? null : s.commitSigner(), exitCode, error, finishedAt, trigger, modelIdentity);
    }

    private void write() throws InfrastructureException {
        try {
            String text = BundleJson.MAPPER.writeValueAsString(current());
            RunBundle.write(file, redact.apply(text).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfrastructureException("cannot write run.json: " + e.getMessage(), e);
        }
    }
}
