package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.console.LineTransformationOutputStream;
import hudson.model.Cause;
import hudson.model.Computer;
import hudson.model.Node;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.slaves.WorkspaceList;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.util.Timer;
import org.jenkinsci.plugins.durabletask.BourneShellScript;
import org.jenkinsci.plugins.durabletask.Controller;
import org.jenkinsci.plugins.workflow.FilePathUtils;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.StepContext;

/**
 * Puts the CLI on the node (cached by digest), checks the node's Java, resolves the credentials and
 * starts the CLI; all of that off the CPS thread. A run is a durable task on the agent (as
 * {@code sh} is): the CLI goes on when the controller restarts, and the resumed step reconnects to
 * it by node name and workspace, copies the rest of its log, reads its exit status and keeps the
 * bundle with the build ({@link RunOutcome}). The step holds no thread while the agent works, so a
 * safe restart does not wait for it. approve, reject and merge are short and run to their end
 * ({@link Decide}).
 */
final class AgentSandboxExecution extends GeneralNonBlockingStepExecution {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(AgentSandboxExecution.class.getName());
    private static final long MAX_POLL_MS = 15_000;
    private final transient AgentSandboxStep step;

    // A run in progress, kept with the program so that a resumed controller finds it again.
    private Controller controller;
    private String node;
    private String remote;
    private String stepDir;
    private String bundlePath;
    private String key;
    private boolean returnStatus;
    private List<String> credentialIds;
    private String gitCredentialsId;
    private volatile boolean done;
    private transient volatile boolean finishing;
    private transient OutputStream log;
    private transient long pollMs;
    private transient boolean toldOffline;

    AgentSandboxExecution(AgentSandboxStep step, StepContext context) {
        super(context);
        this.step = step;
    }

    @Override
    public boolean start() {
        run(this::begin);
        return false;
    }

    private void begin() throws Exception {
        StepContext ctx = getContext();
        FilePath workspace = ctx.get(FilePath.class);
        Launcher launcher = ctx.get(Launcher.class);
        TaskListener listener = ctx.get(TaskListener.class);
        EnvVars env = ctx.get(EnvVars.class);
        Run<?, ?> run = ctx.get(Run.class);
        FlowNode flowNode = ctx.get(FlowNode.class);
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
        FilePath dir = tmp.child("agent-sandbox/" + run.getNumber() + "-" + flowNode.getId());
        String java = NodeJava.resolve(step.getJdk(), workspace, env, launcher, listener);
        FilePath jar = CliJar.onNode(cacheDir(workspace, tmp), UUID.randomUUID().toString());
        Secrets secrets = new Secrets(run, dir.child("secrets"));
        boolean started = false;
        try {
            FilePath signingFile = secrets.file("signingKeyCredentialsId", step.getSigningKeyCredentialsId(), "signing.key");
            String signingKey = signingFile != null ? signingFile.getRemote() : step.getSigningKey();
            secrets.git(step.getGitCredentialsId(), step.getKnownHosts());
            if (step.getAction().equals("run")) {
                launch(workspace, dir, run, flowNode, launcher, listener, env, secrets, signingKey, java, jar);
                started = true;
                return;
            }
            Cli cli = new Cli(java, jar, env, secrets.env());
            Decide d = new Decide(step, run, dir, workspace, launcher, listener);
            Map<String, Object> result = switch (step.getAction()) {
                case "merge" -> d.merge(cli, secrets, signingKey);
                case "verify" -> d.verify(cli, secrets);
                default -> d.decide(cli, secrets, signingKey);
            };
            getContext().onSuccess(result);
        } finally {
            if (!started) {
                dir.deleteRecursive();
            }
        }
    }

    private void launch(FilePath workspace, FilePath dir, Run<?, ?> run, FlowNode flowNode, Launcher launcher, TaskListener listener, EnvVars env,
            Secrets secrets, String signingKey, String java, FilePath jar) throws IOException, InterruptedException {
        String path = step.getBundle() != null ? step.getBundle() : "agent-sandbox-runs/" + run.getNumber() + "-" + flowNode.getId();
        FilePath bundle = workspace.child(path);
        if (step.getBundle() == null && bundle.exists()) {
            bundle.deleteRecursive(); // this build's and step's own folder, left by an earlier attempt
        }
        FilePath taskFile = dir.child("task.txt");
        taskFile.write(step.getTask() == null ? "" : step.getTask(), StandardCharsets.UTF_8.name());
        FilePath modelKey = secrets.file("modelCredentialsId", step.getModelCredentialsId(), "model.key");
        FilePath commitKey = secrets.file("commitKeyCredentialsId", step.getCommitKeyCredentialsId(), "commit.key");
        Cause.UserIdCause user = run.getCause(Cause.UserIdCause.class);
        FilePath policy = orgPolicy(dir, env);
        List<String> args = Arguments.run(step, new Arguments.RunInputs(workspace.getRemote(), bundle.getRemote(), taskFile.getRemote(), signingKey,
                modelKey == null ? null : modelKey.getRemote(), commitKey == null ? null : commitKey.getRemote(), user == null ? null : user.getUserId(),
                policy == null ? null : policy.getRemote()));
        Cli cli = new Cli(java, jar, env, secrets.env());
        BourneShellScript task = new BourneShellScript(cli.script(args));
        task.charset(StandardCharsets.UTF_8);
        node = FilePathUtils.getNodeName(workspace);
        remote = workspace.getRemote();
        stepDir = dir.getRemote();
        bundlePath = path;
        key = run.getNumber() + "-" + flowNode.getId();
        returnStatus = step.isReturnStatus();
        credentialIds = new ArrayList<>();
        for (String id : new String[] {step.getModelCredentialsId(), step.getSigningKeyCredentialsId(), step.getCommitKeyCredentialsId()}) {
            if (id != null) {
                credentialIds.add(id);
            }
        }
        gitCredentialsId = step.getGitCredentialsId();
        log = secrets.mask(listener.getLogger());
        controller = task.launch(cli.env(), workspace, launcher, listener);
        getContext().saveState();
        schedule(500);
    }

    /**
     * The controller's organisation policy as a file for the CLI, or null when none is configured.
     * An agent with a policy of its own as well is refused: one would silently replace the other.
     */
    private static FilePath orgPolicy(FilePath dir, EnvVars env) throws IOException, InterruptedException {
        String text;
        try {
            text = AgentSandboxConfiguration.get().policy();
        } catch (IllegalArgumentException e) {
            throw new AbortException("agentSandbox: Manage Jenkins > Agent sandbox: " + e.getMessage());
        }
        if (text == null) {
            return null;
        }
        if (env.get("AGENT_SANDBOX_ORG_POLICY") != null) {
            throw new AbortException("agentSandbox: this agent sets AGENT_SANDBOX_ORG_POLICY and the controller has an organisation policy"
                    + " (Manage Jenkins > Agent sandbox); keep one of them, so that neither replaces the other unseen");
        }
        FilePath f = dir.child("org-policy.yml");
        f.write(text, StandardCharsets.UTF_8.name());
        return f;
    }

    private void schedule(long delayMs) {
        pollMs = delayMs;
        Timer.get().schedule(this::check, delayMs, TimeUnit.MILLISECONDS);
    }

    /** One look at the CLI on the agent: new log lines, then its exit status once it has one. */
    private void check() {
        if (done) {
            return;
        }
        try {
            TaskListener listener = getContext().get(TaskListener.class);
            FilePath ws = FilePathUtils.find(node, remote);
            if (ws == null) {
                if (!toldOffline) {
                    listener.getLogger().println("agent-sandbox: waiting for " + (node.isEmpty() ? "the built-in node" : node)
                            + " to come back; the run goes on there");
                    toldOffline = true;
                }
                schedule(MAX_POLL_MS);
                return;
            }
            toldOffline = false;
            boolean more = controller.writeLog(ws, log(listener));
            Integer exit = controller.exitStatus(ws, getContext().get(Launcher.class), listener);
            if (exit == null) {
                schedule(more ? 500 : Math.min(MAX_POLL_MS, Math.max(1000, pollMs * 2)));
                return;
            }
            finish(ws, exit, listener);
        } catch (InterruptedException | IOException e) {
            // the agent's channel dropped or is being restored: look again later
            LOGGER.log(Level.FINE, "agent-sandbox: could not check the run on " + node, e);
            schedule(MAX_POLL_MS);
        } catch (RuntimeException e) {
            done = true;
            getContext().onFailure(e);
        }
    }

    private void finish(FilePath ws, int exit, TaskListener listener) {
        finishing = true;
        try {
            while (controller.writeLog(ws, log(listener))) {
                // the last lines
            }
            OutputStream out = log(listener);
            if (out instanceof LineTransformationOutputStream l) {
                l.forceEol();
            }
            out.flush();
            controller.cleanup(ws);
            done = true;
            Map<String, Object> result = RunOutcome.of(exit, new RunOutcome.Where(ws.child(bundlePath), bundlePath, key), getContext().get(Run.class),
                    getContext().get(FlowNode.class), listener, getContext().get(EnvVars.class).get("BUILD_URL"), returnStatus);
            getContext().onSuccess(result);
        } catch (Exception e) {
            done = true;
            getContext().onFailure(e);
        } finally {
            finishing = false;
            deleteStepDir(ws);
        }
    }

    private void deleteStepDir(FilePath ws) {
        try {
            ws.child(stepDir).deleteRecursive(); // the credentials' files and the task
        } catch (IOException | InterruptedException e) {
            LOGGER.log(Level.WARNING, "agent-sandbox: could not delete " + stepDir + " on " + node, e);
        }
    }

    /** The CLI's log, masked; after a restart the masking is rebuilt from the credential ids, or the log is withheld. */
    private OutputStream log(TaskListener listener) throws InterruptedException {
        if (log == null) {
            try {
                log = Secrets.remask(getContext().get(Run.class), credentialIds == null ? List.of() : credentialIds, gitCredentialsId,
                        listener.getLogger());
            } catch (IOException e) {
                listener.getLogger().println("agent-sandbox: the rest of the CLI's log is withheld: its credentials cannot be read again to mask it ("
                        + e.getMessage() + "); the run's bundle has the whole log");
                log = OutputStream.nullOutputStream();
            }
        }
        return log;
    }

    @Override
    public void onResume() {
        if (controller == null) {
            super.onResume(); // a restart while preparing, approving or merging fails the step: run it again
            return;
        }
        if (!done) {
            schedule(0);
        }
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        if (controller != null && !done) {
            done = true;
            FilePath ws = FilePathUtils.find(node, remote);
            if (ws != null) {
                controller.stop(ws, getContext().get(Launcher.class)); // the CLI removes its sandbox on TERM
                Timer.get().schedule(() -> {
                    try {
                        controller.cleanup(ws);
                    } catch (IOException | InterruptedException e) {
                        LOGGER.log(Level.FINE, "agent-sandbox: cleanup after stop", e);
                    }
                    deleteStepDir(ws);
                }, 30, TimeUnit.SECONDS);
            }
        }
        super.stop(cause);
    }

    @Override
    public String getStatus() {
        return controller == null ? super.getStatus() : "the agent-sandbox CLI is running on " + (node == null || node.isEmpty() ? "the built-in node" : node);
    }

    /** Waiting for the agent holds nothing; only preparing, finishing and the short actions block a safe restart. */
    @Override
    public boolean blocksRestart() {
        return controller == null ? super.blocksRestart() : finishing;
    }

    private static FilePath cacheDir(FilePath workspace, FilePath tmp) {
        Computer computer = workspace.toComputer();
        Node n = computer == null ? null : computer.getNode();
        FilePath root = n == null ? null : n.getRootPath();
        return root != null ? root.child("caches/agent-sandbox-cli") : tmp.child("agent-sandbox-cli");
    }
}
