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
    public static final String NO_CHANGE = "no-change";

    private final Path file;
    private final Clock clock;
    private final UnaryOperator<String> redact;
    private RunRecord r;

    RunRecorder(Path file, String runId, Clock clock, UnaryOperator<String> redact) {
        this.file = file;
        this.clock = clock;
        this.redact = redact;
        this.r = new RunRecord(1, runId, clock.instant().toString(), null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public synchronized void begin(RunRecord.Start s) throws InfrastructureException {
        Map<String, String> reports = new LinkedHashMap<>();
        reports.put("sarif", "reports/results.sarif");
        reports.put("junit", "reports/junit.xml");
        reports.put("sbom", "reports/sbom.cdx.json");
        reports.put("gitlabSast", "reports/gl-sast-report.json");
        reports.put("summary", "reports/summary.md");
        reports.put("review", "reports/review.html");
        r = new RunRecord(r.schema(), r.runId(), r.startedAt(), s.repo(), s.baseBranch(), s.baseCommit(), s.repository(), s.featureBranch(),
                null, "running", s.image(), s.command(), s.tier(), s.runtime(), s.merge(), s.task(), reports, r.kind(), r.plan(),
                r.dataClass(), r.risk(), r.approval(), r.requestedBy(), r.notifications(), s.commitSigner(), null, null, null);
        write();
    }

    public synchronized void plan(RunRecord.PlanRef plan) throws InfrastructureException {
        r = new RunRecord(r.schema(), r.runId(), r.startedAt(), r.repo(), r.baseBranch(), r.baseCommit(), r.repository(), r.featureBranch(),
                r.headCommit(), r.verdict(), r.image(), r.command(), r.tier(), r.runtime(), r.merge(), r.task(), r.reports(), r.kind(), plan,
                r.dataClass(), r.risk(), r.approval(), r.requestedBy(), r.notifications(), r.commitSigner(), r.exitCode(), r.error(), r.finishedAt());
        write();
    }

    public synchronized void dataClass(RunRecord.DataClass dataClass) throws InfrastructureException {
        r = new RunRecord(r.schema(), r.runId(), r.startedAt(), r.repo(), r.baseBranch(), r.baseCommit(), r.repository(), r.featureBranch(),
                r.headCommit(), r.verdict(), r.image(), r.command(), r.tier(), r.runtime(), r.merge(), r.task(), r.reports(), r.kind(), r.plan(),
                dataClass, r.risk(), r.approval(), r.requestedBy(), r.notifications(), r.commitSigner(), r.exitCode(), r.error(), r.finishedAt());
        write();
    }

    /**
     * What approve and merge read (attested with run.json): the kind, the risk tier, the approvals
     * it needs, who asked, and whom to tell (names of host variables only).
     */
    public synchronized void decision(String kind, RunRecord.Risk risk, RunRecord.Quorum approval, String requestedBy, JsonNode notify)
            throws InfrastructureException {
        r = new RunRecord(r.schema(), r.runId(), r.startedAt(), r.repo(), r.baseBranch(), r.baseCommit(), r.repository(), r.featureBranch(),
                r.headCommit(), r.verdict(), r.image(), r.command(), r.tier(), r.runtime(), r.merge(), r.task(), r.reports(), kind, r.plan(),
                r.dataClass(), risk, approval, requestedBy, notify, r.commitSigner(), r.exitCode(), r.error(), r.finishedAt());
        write();
    }

    public synchronized void finish(String headCommit, String verdict, String error) throws InfrastructureException {
        int exitCode = dev.agentsandbox.error.ExitCode.ofOutcome(verdict).code();
        r = new RunRecord(r.schema(), r.runId(), r.startedAt(), r.repo(), r.baseBranch(), r.baseCommit(), r.repository(),
                headCommit == null ? null : r.featureBranch(), headCommit, verdict, r.image(), r.command(), r.tier(), r.runtime(), r.merge(),
                r.task(), r.reports(), r.kind(), r.plan(), r.dataClass(), r.risk(), r.approval(), r.requestedBy(), r.notifications(), r.commitSigner(), exitCode, error,
                clock.instant().toString());
        write();
    }

    public synchronized RunRecord current() {
        return r;
    }

    private void write() throws InfrastructureException {
        try {
            String text = BundleJson.MAPPER.writeValueAsString(r);
            RunBundle.write(file, redact.apply(text).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfrastructureException("cannot write run.json: " + e.getMessage(), e);
        }
    }
}
