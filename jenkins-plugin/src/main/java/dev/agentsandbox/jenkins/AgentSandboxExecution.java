package dev.agentsandbox.jenkins;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.remoting.Which;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;

/**
 * Copies the agent-sandbox jar to the node, launches it there with the step's parameters, and
 * maps the outcome onto the build: exit 0 → the result map (warn → UNSTABLE), 1 (gates failed) →
 * FAILURE with the result map still returned so the reports can be archived, anything else →
 * the step fails with the CLI's message.
 */
final class AgentSandboxExecution extends SynchronousNonBlockingStepExecution<Map<String, Object>> {
    private static final long serialVersionUID = 1L;
    private final transient AgentSandboxStep step;

    AgentSandboxExecution(AgentSandboxStep step, StepContext context) {
        super(context);
        this.step = step;
    }

    @Override
    protected Map<String, Object> run() throws Exception {
        StepContext ctx = getContext();
        FilePath workspace = ctx.get(FilePath.class);
        Launcher launcher = ctx.get(Launcher.class);
        TaskListener listener = ctx.get(TaskListener.class);
        EnvVars env = ctx.get(EnvVars.class);
        Run<?, ?> run = ctx.get(Run.class);

        FilePath tmp = workspace.sibling(workspace.getName() + "@tmp");
        tmp.mkdirs();
        FilePath jar = tmp.child("agent-sandbox.jar");
        File local = Which.jarFile(dev.agentsandbox.cli.Main.class);
        jar.copyFrom(new FilePath(local));

        List<String> cmd = new ArrayList<>(List.of(env.get("JAVA_HOME") != null ? env.get("JAVA_HOME") + "/bin/java" : "java",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.getRemote()));
        cmd.addAll(Arguments.of(step, workspace.getRemote()));
        EnvVars launchEnv = new EnvVars(env);
        launchEnv.putIfAbsent("LC_ALL", "C.UTF-8");
        int code = launcher.launch().cmds(cmd).envs(launchEnv).pwd(workspace).stdout(listener).join();

        FilePath bundle = workspace.child(step.getBundle());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exitCode", code);
        result.put("bundle", bundle.getRemote());
        result.put("cli", jar.getRemote());
        FilePath runJson = bundle.child("run.json");
        if (runJson.exists()) {
            JSONObject json = JSONObject.fromObject(runJson.readToString());
            result.put("runId", text(json, "runId"));
            result.put("branch", text(json, "featureBranch"));
            result.put("headCommit", text(json, "headCommit"));
            result.put("verdict", text(json, "verdict"));
            Map<String, String> reports = new LinkedHashMap<>();
            JSONObject r = json.optJSONObject("reports");
            if (r != null) {
                for (Object k : r.keySet()) {
                    reports.put(k.toString(), step.getBundle() + "/" + r.getString(k.toString()));
                }
            }
            result.put("reports", reports);
        }
        switch (code) {
            case 0 -> {
                if ("warn".equals(result.get("verdict"))) {
                    run.setResult(Result.UNSTABLE);
                }
            }
            case 1 -> {
                listener.error("agent-sandbox: the gates failed (see " + step.getBundle() + "/reports/summary.md)");
                run.setResult(Result.FAILURE);
            }
            case 4 -> throw new AbortException("agent-sandbox " + step.getAction() + " was refused (exit 4): see the log above");
            case 5 -> {
                // The agent changed nothing: not a success, and nothing to approve.
                listener.getLogger().println("agent-sandbox: the agent changed nothing; there is nothing to review");
                run.setResult(Result.UNSTABLE);
            }
            default -> throw new AbortException("agent-sandbox " + step.getAction() + " failed with exit code " + code + ": see the log above");
        }
        return result;
    }

    /** A string member, or null for a missing or JSON-null one (json-lib's optString gives the text "null"). */
    static String text(net.sf.json.JSONObject json, String key) {
        Object v = json.opt(key);
        return v == null || net.sf.json.JSONNull.getInstance().equals(v) ? null : v.toString();
    }
}
