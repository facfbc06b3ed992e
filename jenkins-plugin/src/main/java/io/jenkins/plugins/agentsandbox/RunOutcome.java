package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import net.sf.json.JSONNull;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.actions.WarningAction;
import org.jenkinsci.plugins.workflow.graph.FlowNode;

/**
 * What a finished run means for the build, read from its bundle: the run's entry on the build's
 * page, the result map, and the step's outcome:
 * <ul>
 * <li>gates passed → the result map; with warnings, or when the agent changed nothing, the step is
 * UNSTABLE (a warning on its flow node);
 * <li>gates failed → the step fails with the summary (the bundle is kept), or with
 * {@code returnStatus: true} returns the map with exitCode 1;
 * <li>anything else (bad options, the host, a refusal, a Java that does not start) → the step fails
 * with what went wrong.
 * </ul>
 */
final class RunOutcome {
    private RunOutcome() {
    }

    /** Where the run was: the workspace's bundle folder, its path as the step returns it, and the run's key in the build. */
    record Where(FilePath bundle, String bundlePath, String key) {
    }

    static Map<String, Object> of(int code, Where w, Run<?, ?> run, FlowNode node, TaskListener listener, String buildUrl, boolean returnStatus)
            throws IOException, InterruptedException {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exitCode", code);
        result.put("bundle", w.bundlePath());
        JSONObject record = readRecord(w.bundle());
        if (record != null) {
            BundleArchive.save(w.bundle(), run, w.key(), w.bundle().createLauncher(listener), listener);
            AgentSandboxAction action = null;
            for (AgentSandboxAction a : run.getActions(AgentSandboxAction.class)) {
                if (a.getKey().equals(w.key())) {
                    action = a; // a second look after a dropped channel: the same run, one entry
                }
            }
            if (action == null) {
                action = new AgentSandboxAction(w.key());
                run.addAction(action);
            }
            action.ran(text(record, "runId"), text(record, "verdict"), text(record, "featureBranch"), text(record, "headCommit"));
            run.save();
            result.put("runId", action.getRunId());
            result.put("verdict", action.getVerdict());
            result.put("branch", action.getBranch());
            result.put("headCommit", action.getHeadCommit());
            result.put("reviewUrl", (buildUrl == null ? run.getUrl() : buildUrl) + action.reviewPath());
            Map<String, String> reports = new LinkedHashMap<>();
            JSONObject r = record.optJSONObject("reports");
            if (r != null) {
                for (Object k : r.keySet()) {
                    reports.put(k.toString(), w.bundlePath() + "/" + r.getString(k.toString()));
                }
            }
            result.put("reports", reports);
        }
        String verdict = (String) result.get("verdict");
        switch (code) {
            case 0 -> {
                if ("warn".equals(verdict)) {
                    unstable(run, node, "agent-sandbox: the gates passed with warnings; see the review page");
                }
                return result;
            }
            case 5 -> {
                unstable(run, node, "agent-sandbox: the agent changed nothing; there is nothing to review or merge");
                return result;
            }
            case 1 -> {
                if (!"fail".equals(verdict)) {
                    throw new AbortException("agent-sandbox: the CLI exited 1 without recording a failed run: Java or the CLI did not start"
                            + " (see the log above)");
                }
                String summary = summary(w.bundle());
                if (returnStatus) {
                    listener.error("agent-sandbox: the gates failed\n" + summary);
                    return result;
                }
                throw new AbortException("agent-sandbox: the gates failed; nothing of the agent's can be merged.\n" + summary);
            }
            default -> throw failure("run", code);
        }
    }

    private static void unstable(Run<?, ?> run, FlowNode node, String message) {
        node.addOrReplaceAction(new WarningAction(Result.UNSTABLE).withMessage(message));
        run.setResult(Result.UNSTABLE);
    }

    static AbortException failure(String action, int code) {
        String what = switch (code) {
            case 2 -> "bad options or an invalid configuration";
            case 3 -> "the host could not do it (Docker, the runtime, an image, the disk)";
            case 4 -> "refused";
            default -> "failed";
        };
        return new AbortException("agent-sandbox " + action + ": " + what + " (exit " + code + "); see the log above");
    }

    static JSONObject readRecord(FilePath bundle) throws IOException, InterruptedException {
        FilePath runJson = bundle.child("run.json");
        return runJson.exists() ? JSONObject.fromObject(utf8(runJson)) : null;
    }

    private static String summary(FilePath bundle) throws IOException, InterruptedException {
        FilePath md = bundle.child("reports/summary.md");
        if (!md.exists()) {
            return "";
        }
        String[] lines = utf8(md).split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, 25); i++) {
            b.append(lines[i]).append('\n');
        }
        return b.toString();
    }

    /** The CLI writes UTF-8 whatever the node's locale. */
    private static String utf8(FilePath f) throws IOException, InterruptedException {
        try (InputStream in = f.read()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A string member, or null for a missing or JSON-null one (json-lib's optString gives the text "null"). */
    static String text(JSONObject json, String key) {
        Object v = json.opt(key);
        return v == null || JSONNull.getInstance().equals(v) ? null : v.toString();
    }
}
