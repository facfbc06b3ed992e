package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.console.LineTransformationOutputStream;
import hudson.model.Cause;
import hudson.model.Computer;
import hudson.model.Node;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.slaves.WorkspaceList;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.sf.json.JSONNull;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.actions.WarningAction;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;

/**
 * Puts the CLI on the node (cached by digest), checks the node's Java, resolves the credentials,
 * launches the CLI, keeps the bundle with the build and maps the outcome onto the build:
 * <ul>
 * <li>gates passed → the result map; with warnings, or when the agent changed nothing, the step is
 * UNSTABLE (a warning on its flow node);
 * <li>gates failed → the step fails with the summary (the bundle is kept), or with
 * {@code returnStatus: true} returns the map with exitCode 1;
 * <li>anything else (bad options, the host, a refusal, a Java that does not start) → the step fails
 * with what went wrong.
 * </ul>
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
        FlowNode node = ctx.get(FlowNode.class);
        if (!AgentSandboxStep.ACTIONS.contains(step.getAction())) {
            throw new AbortException("agentSandbox: unknown action '" + step.getAction() + "' (use " + String.join(", ", AgentSandboxStep.ACTIONS) + ")");
        }
        if (!step.getAction().equals("run")) {
            Arguments.requirePublicKey(step);
        }
        if (!launcher.isUnix()) {
            // gVisor, the loop-mounted disk quota and the Unix-socket proxy are Linux's: say so before anything is copied
            throw new AbortException("agentSandbox needs a Linux agent (Docker with gVisor's runsc); this node runs Windows."
                    + " Run the stage on a Linux agent, e.g. agent { label 'linux' }");
        }
        FilePath tmp = WorkspaceList.tempDir(workspace);
        if (tmp == null) {
            throw new AbortException("agentSandbox: the workspace " + workspace.getRemote() + " has no parent folder for temporary files");
        }
        FilePath stepDir = tmp.child("agent-sandbox/" + run.getNumber() + "-" + node.getId());
        String java = NodeJava.resolve(step.getJdk(), workspace, env, launcher, listener);
        FilePath jar = CliJar.onNode(cacheDir(workspace, tmp), UUID.randomUUID().toString());
        try (Secrets secrets = new Secrets(run, stepDir.child("secrets"))) {
            FilePath signingFile = secrets.file("signingKeyCredentialsId", step.getSigningKeyCredentialsId(), "signing.key");
            String signingKey = signingFile != null ? signingFile.getRemote() : step.getSigningKey();
            secrets.git(step.getGitCredentialsId(), step.getKnownHosts());
            return switch (step.getAction()) {
                case "run" -> agent(workspace, stepDir, run, node, listener, secrets, signingKey, new Cli(java, jar, launcher, env, workspace, listener));
                case "approve", "reject" -> decide(stepDir, run, secrets, signingKey, new Cli(java, jar, launcher, env, workspace, listener));
                default -> merge(workspace, stepDir, run, secrets, signingKey, new Cli(java, jar, launcher, env, workspace, listener));
            };
        } finally {
            stepDir.deleteRecursive();
        }
    }

    private Map<String, Object> agent(FilePath workspace, FilePath stepDir, Run<?, ?> run, FlowNode node, TaskListener listener, Secrets secrets,
            String signingKey, Cli cli) throws IOException, InterruptedException {
        String bundlePath = step.getBundle() != null ? step.getBundle() : "agent-sandbox-runs/" + run.getNumber() + "-" + node.getId();
        FilePath bundle = workspace.child(bundlePath);
        if (step.getBundle() == null && bundle.exists()) {
            bundle.deleteRecursive(); // this build's and step's own folder, left by an earlier attempt
        }
        FilePath taskFile = stepDir.child("task.txt");
        taskFile.write(step.getTask() == null ? "" : step.getTask(), StandardCharsets.UTF_8.name());
        FilePath modelKey = secrets.file("modelCredentialsId", step.getModelCredentialsId(), "model.key");
        FilePath commitKey = secrets.file("commitKeyCredentialsId", step.getCommitKeyCredentialsId(), "commit.key");
        Cause.UserIdCause user = run.getCause(Cause.UserIdCause.class);
        List<String> args = Arguments.run(step, new Arguments.RunInputs(workspace.getRemote(), bundle.getRemote(), taskFile.getRemote(), signingKey,
                modelKey == null ? null : modelKey.getRemote(), commitKey == null ? null : commitKey.getRemote(), user == null ? null : user.getUserId()));
        int code = cli.run(args, secrets);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exitCode", code);
        result.put("bundle", bundlePath);
        JSONObject record = readRecord(bundle);
        if (record != null) {
            String key = run.getNumber() + "-" + node.getId();
            BundleArchive.save(bundle, run, key);
            AgentSandboxAction action = new AgentSandboxAction(key);
            action.ran(text(record, "runId"), text(record, "verdict"), text(record, "featureBranch"), text(record, "headCommit"));
            run.addAction(action);
            run.save();
            result.put("runId", action.getRunId());
            result.put("verdict", action.getVerdict());
            result.put("branch", action.getBranch());
            result.put("headCommit", action.getHeadCommit());
            String buildUrl = cli.env.get("BUILD_URL");
            result.put("reviewUrl", (buildUrl == null ? run.getUrl() : buildUrl) + action.reviewPath());
            Map<String, String> reports = new LinkedHashMap<>();
            JSONObject r = record.optJSONObject("reports");
            if (r != null) {
                for (Object k : r.keySet()) {
                    reports.put(k.toString(), bundlePath + "/" + r.getString(k.toString()));
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
                String summary = summary(bundle);
                if (step.isReturnStatus()) {
                    listener.error("agent-sandbox: the gates failed\n" + summary);
                    return result;
                }
                throw new AbortException("agent-sandbox: the gates failed; nothing of the agent's can be merged.\n" + summary);
            }
            default -> throw failure(code);
        }
    }

    private Map<String, Object> decide(FilePath stepDir, Run<?, ?> run, Secrets secrets, String signingKey, Cli cli)
            throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: '" + step.getAction() + "')");
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        JSONObject record = readRecord(bundle);
        String head = record == null ? null : text(record, "headCommit");
        if (head == null) {
            throw new AbortException("agentSandbox(action: '" + step.getAction() + "'): run " + target.getRunId() + " committed nothing; there is nothing to decide");
        }
        boolean approve = step.getAction().equals("approve");
        List<String> who = approve ? Approval.approvers(target.ballot(), head, step.getBy())
                : List.of(Approval.rejecter(target.ballot(), head, step.getBy()));
        for (String by : who) {
            Ballot.Decision onPage = target.ballot().answer(head, by);
            if (onPage != null && onPage.isRecorded()) {
                continue; // an earlier approve step of this build wrote it into the bundle
            }
            int code = cli.run(Arguments.decide(step, step.getAction(), bundle.getRemote(), by, onPage == null ? null : onPage.getComment(), signingKey),
                    secrets);
            if (code != 0) {
                throw failure(code);
            }
            BundleArchive.save(bundle, run, target.getKey());
            if (onPage != null) {
                onPage.recorded();
            }
            target.decided(approve ? "approved" : "rejected", String.join(", ", who));
            run.save();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("decision", approve ? "approved" : "rejected");
        result.put("by", String.join(", ", who));
        result.put("approvers", approve ? who : List.of());
        result.put("headCommit", head);
        return result;
    }

    private Map<String, Object> merge(FilePath workspace, FilePath stepDir, Run<?, ?> run, Secrets secrets, String signingKey, Cli cli)
            throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: 'merge')");
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        int code = cli.run(Arguments.merge(step, bundle.getRemote(), workspace.getRemote(), signingKey), secrets);
        if (code != 0) {
            throw failure(code);
        }
        BundleArchive.save(bundle, run, target.getKey());
        target.merged(target.getHeadCommit());
        run.save();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("merged", target.getHeadCommit());
        return result;
    }

    private void unstable(Run<?, ?> run, FlowNode node, String message) {
        node.addOrReplaceAction(new WarningAction(Result.UNSTABLE).withMessage(message));
        run.setResult(Result.UNSTABLE);
    }

    private AbortException failure(int code) {
        String what = switch (code) {
            case 2 -> "bad options or an invalid configuration";
            case 3 -> "the host could not do it (Docker, the runtime, an image, the disk)";
            case 4 -> "refused";
            default -> "failed";
        };
        return new AbortException("agent-sandbox " + step.getAction() + ": " + what + " (exit " + code + "); see the log above");
    }

    private static FilePath cacheDir(FilePath workspace, FilePath tmp) {
        Computer computer = workspace.toComputer();
        Node n = computer == null ? null : computer.getNode();
        FilePath root = n == null ? null : n.getRootPath();
        return root != null ? root.child("caches/agent-sandbox-cli") : tmp.child("agent-sandbox-cli");
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
        try (java.io.InputStream in = f.read()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A string member, or null for a missing or JSON-null one (json-lib's optString gives the text "null"). */
    static String text(JSONObject json, String key) {
        Object v = json.opt(key);
        return v == null || JSONNull.getInstance().equals(v) ? null : v.toString();
    }

    /** The CLI launched on the node, its output masked. */
    private static final class Cli {
        final String java;
        final FilePath jar;
        final Launcher launcher;
        final EnvVars env;
        final FilePath workspace;
        final TaskListener listener;

        Cli(String java, FilePath jar, Launcher launcher, EnvVars env, FilePath workspace, TaskListener listener) {
            this.java = java;
            this.jar = jar;
            this.launcher = launcher;
            this.env = env;
            this.workspace = workspace;
            this.listener = listener;
        }

        int run(List<String> args, Secrets secrets) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms16m", "-jar", jar.getRemote()));
            cmd.addAll(args);
            EnvVars launchEnv = new EnvVars(env);
            launchEnv.putIfAbsent("LC_ALL", "C.UTF-8");
            launchEnv.putAll(secrets.env());
            OutputStream out = secrets.mask(listener.getLogger());
            try {
                // stderr stays bundled into stdout: one copier thread, so the masking sees whole lines
                return launcher.launch().cmds(cmd).envs(launchEnv).pwd(workspace).stdout(out).join();
            } finally {
                if (out instanceof LineTransformationOutputStream l) {
                    l.forceEol();
                }
                out.flush();
            }
        }
    }
}
