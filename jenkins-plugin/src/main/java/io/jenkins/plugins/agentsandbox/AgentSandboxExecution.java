package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Cause;
import hudson.model.Computer;
import hudson.model.Node;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.slaves.WorkspaceList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jenkinsci.plugins.durabletask.BourneShellScript;
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
    private final transient AgentSandboxStep step;

    /** A run in progress, kept with the program so that a resumed controller finds it again; null until the CLI is started. */
    private DurableRun durable;

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
            if (step.getAction().startsWith("pr-")) {
                secrets.forgeToken(step.getForgeCredentialsId());
            }
            if (step.getAction().equals("run")) {
                launch(workspace, dir, run, flowNode, launcher, listener, env, secrets, signingKey, java, jar);
                started = true;
                return;
            }
            Cli cli = new Cli(java, jar, env, secrets.env()); // after the forge token: it is in secrets.env()
            Decide d = new Decide(step, run, dir, workspace, launcher, listener);
            Map<String, Object> result = switch (step.getAction()) {
                case "merge" -> d.merge(cli, secrets, signingKey);
                case "verify" -> d.verify(cli, secrets);
                case "pr-open" -> d.prOpen(cli, secrets);
                case "pr-merge" -> d.prMerge(cli, secrets, signingKey);
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
        // the OpenID Connect provider plugin's id token (a secret text or file), exchanged by the CLI on this node for cloud credentials
        FilePath modelToken = secrets.file("modelTokenCredentialsId", step.getModelTokenCredentialsId(), "model.token");
        Cause.UserIdCause user = run.getCause(Cause.UserIdCause.class);
        FilePath policy = orgPolicy(dir, env);
        List<String> args = Arguments.run(step, new Arguments.RunInputs(workspace.getRemote(), bundle.getRemote(), taskFile.getRemote(), signingKey,
                modelKey == null ? null : modelKey.getRemote(), commitKey == null ? null : commitKey.getRemote(), user == null ? null : user.getUserId(),
                policy == null ? null : policy.getRemote(), modelToken == null ? null : modelToken.getRemote()));
        Cli cli = new Cli(java, jar, env, secrets.env());
        BourneShellScript task = new BourneShellScript(cli.script(args));
        task.charset(StandardCharsets.UTF_8);
        List<String> ids = new ArrayList<>();
        for (String id : new String[] {step.getModelCredentialsId(), step.getSigningKeyCredentialsId(), step.getCommitKeyCredentialsId(),
                step.getModelTokenCredentialsId()}) {
            if (id != null) {
                ids.add(id);
            }
        }
        DurableRun d = new DurableRun(getContext(), FilePathUtils.getNodeName(workspace), workspace.getRemote(), dir.getRemote(), bundle.getRemote(),
                path, run.getNumber() + "-" + flowNode.getId(), step.isReturnStatus(), ids, step.getGitCredentialsId());
        durable = d;
        d.launched(task.launch(cli.env(), workspace, launcher, listener), secrets.mask(listener.getLogger()));
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

    @Override
    public void onResume() {
        if (durable != null && durable.launched()) {
            durable.resume();
            return;
        }
        // a restart while preparing, starting the CLI, approving or merging: nothing of it can be picked up
        getContext().onFailure(new AbortException("agentSandbox: the controller restarted while the step " + (durable != null
                ? "was starting the CLI on " + durable.node() + " (it may still run there; its bundle is in the workspace)" : "was preparing or"
                + " running a short action") + "; run the step again"));
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        DurableRun d = durable;
        if (d != null) {
            d.stop(cause); // the CLI gets TERM and is followed until it has removed its sandbox
            return;
        }
        super.stop(cause);
    }

    @Override
    public String getStatus() {
        return durable == null || !durable.launched() ? super.getStatus() : "the agent-sandbox CLI is running on " + durable.node();
    }

    /** Waiting for the agent holds nothing; preparing and the short actions block a safe restart. */
    @Override
    public boolean blocksRestart() {
        return durable == null ? super.blocksRestart() : !durable.launched();
    }

    private static FilePath cacheDir(FilePath workspace, FilePath tmp) {
        Computer computer = workspace.toComputer();
        Node n = computer == null ? null : computer.getNode();
        FilePath root = n == null ? null : n.getRootPath();
        return root != null ? root.child("caches/agent-sandbox-cli") : tmp.child("agent-sandbox-cli");
    }
}
