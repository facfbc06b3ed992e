package dev.agentsandbox.run;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes run.json: once when the run begins (so a crash still leaves it), again when it ends. */
final class RunRecorder {
    private final Path file;
    private final Clock clock;
    private final Map<String, Object> data = new LinkedHashMap<>();

    RunRecorder(Path file, String runId, Clock clock) {
        this.file = file;
        this.clock = clock;
        data.put("schema", 1);
        data.put("runId", runId);
        data.put("startedAt", clock.instant().toString());
    }

    /** @param repository the repository's identity (its remote's URL), bound into approvals; null when it has no remote */
    synchronized void begin(RunRequest request, Base base, String featureBranch, Settings settings,
                            dev.agentsandbox.config.MergeConfig merge, String repository) throws InfrastructureException {
        data.put("repo", request.repo().toAbsolutePath().normalize().toString());
        data.put("baseBranch", base.branch());
        data.put("baseCommit", base.commit().name());
        data.put("repository", repository);
        data.put("featureBranch", featureBranch);
        data.put("headCommit", null);
        data.put("verdict", "running");
        data.put("image", settings.image());
        data.put("command", settings.command());
        data.put("tier", settings.tier().id());
        data.put("runtime", settings.runtime());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", merge.strategy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("remote", merge.remote() != null ? merge.remote() : request.push());
        m.put("allowOverride", merge.allowOverride());
        data.put("merge", m);
        data.put("task", request.task());
        Map<String, String> reports = new LinkedHashMap<>();
        reports.put("sarif", "reports/results.sarif");
        reports.put("junit", "reports/junit.xml");
        reports.put("sbom", "reports/sbom.cdx.json");
        reports.put("gitlabSast", "reports/gl-sast-report.json");
        reports.put("summary", "reports/summary.md");
        reports.put("review", "reports/review.html");
        data.put("reports", reports);
        write();
    }

    synchronized void finish(String headCommit, String verdict, String error) throws InfrastructureException {
        data.put("headCommit", headCommit);
        if (headCommit == null) {
            data.put("featureBranch", null);
        }
        data.put("verdict", verdict);
        data.put("exitCode", switch (verdict) {
            case "pass", "warn", "plan" -> 0;
            case "fail" -> 1;
            case RunResult.NO_CHANGE -> 5;
            default -> 3;
        });
        data.put("error", error);
        data.put("finishedAt", clock.instant().toString());
        write();
    }

    synchronized Object get(String key) {
        return data.get(key);
    }

    String runId() {
        return (String) data.get("runId");
    }

    synchronized void put(String key, Object value) throws InfrastructureException {
        data.put(key, value);
        write();
    }

    private void write() throws InfrastructureException {
        try {
            String text = RunPipeline.json().writeValueAsString(data);
            RunBundle.write(file, Redaction.redact(text).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfrastructureException("cannot write run.json: " + e.getMessage(), e);
        }
    }
}
