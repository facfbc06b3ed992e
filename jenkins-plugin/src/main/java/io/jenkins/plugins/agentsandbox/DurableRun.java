package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.console.LineTransformationOutputStream;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;
import jenkins.util.Timer;
import org.jenkinsci.plugins.durabletask.Controller;
import org.jenkinsci.plugins.workflow.FilePathUtils;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.StepContext;

/**
 * The CLI of one run as a durable task on the agent, and the polling that follows it: new log lines
 * (masked), then its exit status, then the run's outcome ({@link RunOutcome}) and the deletion of its
 * credential files. Kept with the program, so that a resumed controller picks it up where it was;
 * the log's read position is saved as it moves. A stop sends TERM and keeps following the CLI until
 * it has ended, so that its sandbox is gone and its files deleted before the step fails. Only
 * channel errors are retried; a step whose context is gone, or whose agent was removed for good,
 * ends.
 */
final class DurableRun implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(DurableRun.class.getName());
    private static final long MAX_POLL_MS = 15_000;
    private static final long REMOVED_NODE_MS = TimeUnit.MINUTES.toMillis(5);
    private static final long STOP_GRACE_MS = 20_000;

    private final StepContext context;
    private final String node;
    private final String remote;
    private final String stepDir;
    private final String bundle;
    private final String bundlePath;
    private final String key;
    private final boolean returnStatus;
    private final List<String> credentialIds;
    private final String gitCredentialsId;
    private Controller controller;
    private volatile boolean stopping;
    private volatile boolean stopSent;
    private volatile Integer exitCode;
    private volatile boolean completed;
    private transient OutputStream log;
    private transient long pollMs;
    private transient boolean toldOffline;
    private transient long removedSince;
    private transient volatile Throwable stopCause;

    /** Paths are the agent's (strings: a FilePath loses its channel when the program is saved). */
    DurableRun(StepContext context, String node, String remote, String stepDir, String bundle, String bundlePath, String key, boolean returnStatus,
            List<String> credentialIds, String gitCredentialsId) {
        this.context = context;
        this.node = node;
        this.remote = remote;
        this.stepDir = stepDir;
        this.bundle = bundle;
        this.bundlePath = bundlePath;
        this.key = key;
        this.returnStatus = returnStatus;
        this.credentialIds = new java.util.ArrayList<>(credentialIds); // a plain list: the program is saved with River
        this.gitCredentialsId = gitCredentialsId;
    }

    String node() {
        return node.isEmpty() ? "the built-in node" : node;
    }

    boolean launched() {
        return controller != null;
    }

    /** The CLI was started: follow it from now on (stopping it at once if a stop came while it started). */
    void launched(Controller c, OutputStream maskedLog) {
        this.controller = c;
        this.log = maskedLog;
        context.saveState();
        if (stopping) {
            sendStop(FilePathUtils.find(node, remote));
        }
        schedule(500);
    }

    /** After a restart: follow the CLI again, or finish what was half done. */
    void resume() {
        if (!completed) {
            schedule(0);
        }
    }

    void stop(Throwable cause) {
        stopCause = cause;
        stopping = true;
        context.saveState();
        if (controller != null) {
            sendStop(FilePathUtils.find(node, remote));
        }
        // the CLI gets its time to remove its sandbox; past that, the step fails anyway and the polling still cleans up
        Timer.get().schedule(() -> complete(null, cause), STOP_GRACE_MS, TimeUnit.MILLISECONDS);
        if (controller == null) {
            complete(null, cause); // nothing was started
        }
    }

    private void sendStop(FilePath ws) {
        if (ws == null || controller == null || stopSent) {
            return; // offline: sent once the agent is back
        }
        try {
            controller.stop(ws, ws.createLauncher(TaskListener.NULL)); // TERM to the CLI, which removes its sandbox
            stopSent = true;
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOGGER.log(Level.FINE, "agent-sandbox: could not stop the CLI on " + node + " yet", e);
        }
    }

    private void schedule(long delayMs) {
        Jenkins j = Jenkins.getInstanceOrNull();
        if (completed && exitCode != null || j == null || j.isTerminating()) {
            return; // a dying controller polls nothing; the next one resumes
        }
        pollMs = delayMs;
        Timer.get().schedule(this::check, delayMs, TimeUnit.MILLISECONDS);
    }

    /** One look at the CLI: new log lines, then its exit status once it has one. */
    private void check() {
        TaskListener listener;
        try {
            listener = context.get(TaskListener.class);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (!completed) {
                // the build is gone (killed, its node finished): nothing will read this step again
                LOGGER.log(Level.FINE, "agent-sandbox: the step's context is gone", e);
                completed = true;
                return;
            }
            listener = TaskListener.NULL; // the step already failed on a stop: only the cleaning up is left
        }
        FilePath ws = FilePathUtils.find(node, remote);
        if (ws == null) {
            waitForNode(listener);
            return;
        }
        toldOffline = false;
        removedSince = 0;
        try {
            if (stopping) {
                sendStop(ws);
            }
            if (exitCode == null) {
                boolean more = controller.writeLog(ws, log(listener));
                if (more) {
                    context.saveState(); // the read position moved: a crash does not print it all again
                }
                Integer exit = controller.exitStatus(ws, ws.createLauncher(listener), listener);
                if (exit == null) {
                    schedule(more ? 500 : Math.min(MAX_POLL_MS, Math.max(1000, pollMs * 2)));
                    return;
                }
                while (controller.writeLog(ws, log(listener))) {
                    // the last lines
                }
                OutputStream out = log(listener);
                if (out instanceof LineTransformationOutputStream l) {
                    l.forceEol();
                }
                out.flush();
                if (exit < 0) {
                    // durable-task's own code: the wrapper stopped answering; the CLI may still run, so stop it before its files go
                    listener.getLogger().println("agent-sandbox: the task's wrapper on " + node() + " died (status " + exit + "); stopping the CLI");
                    controller.stop(ws, ws.createLauncher(listener));
                }
                exitCode = exit;
                context.saveState();
            }
            finish(ws, listener);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the controller is shutting down: the next one resumes
        } catch (IOException e) {
            LOGGER.log(Level.FINE, "agent-sandbox: could not reach the run on " + node + "; trying again", e);
            schedule(MAX_POLL_MS);
        } catch (RuntimeException e) {
            cleanUp(ws);
            complete(null, e);
        }
    }

    private void waitForNode(TaskListener listener) {
        Jenkins j = Jenkins.getInstanceOrNull();
        boolean removed = j != null && !node.isEmpty() && j.getNode(node) == null;
        if (removed) {
            long now = System.currentTimeMillis();
            removedSince = removedSince == 0 ? now : removedSince;
            if (now - removedSince > REMOVED_NODE_MS) {
                listener.getLogger().println("agent-sandbox: " + node() + " was removed " + (REMOVED_NODE_MS / 60_000) + " minutes ago;"
                        + " the run cannot be followed there any more");
                complete(null, new AbortException("agent-sandbox: the agent " + node() + " was removed while the run went on there"));
                return;
            }
        } else {
            removedSince = 0;
        }
        if (!toldOffline) {
            listener.getLogger().println("agent-sandbox: waiting for " + node() + " to come back; the run goes on there");
            toldOffline = true;
        }
        schedule(MAX_POLL_MS);
    }

    /** The CLI has ended: its outcome for the build, then its files go. A channel error leaves it for the next look. */
    private void finish(FilePath ws, TaskListener listener) throws IOException, InterruptedException {
        if (completed) {
            cleanUp(ws);
            return;
        }
        if (stopping) {
            cleanUp(ws);
            complete(null, stopCause != null ? stopCause : new AbortException("agent-sandbox: the run was stopped"));
            return;
        }
        Map<String, Object> result;
        try {
            result = RunOutcome.of(exitCode, new RunOutcome.Where(ws.child(bundle), bundlePath, key), context.get(Run.class), context.get(FlowNode.class), listener,
                    context.get(EnvVars.class).get("BUILD_URL"), returnStatus);
        } catch (AbortException e) {
            cleanUp(ws);
            complete(null, e);
            return;
        }
        cleanUp(ws);
        complete(result, null);
    }

    private void cleanUp(FilePath ws) {
        try {
            controller.cleanup(ws);
            ws.child(stepDir).deleteRecursive(); // the credentials' files and the task
        } catch (IOException | InterruptedException e) {
            LOGGER.log(Level.WARNING, "agent-sandbox: could not delete " + stepDir + " on " + node, e);
        }
    }

    private synchronized void complete(Map<String, Object> result, Throwable failure) {
        if (completed) {
            return;
        }
        completed = true;
        context.saveState();
        if (failure != null) {
            context.onFailure(failure);
        } else {
            context.onSuccess(result);
        }
    }

    /** The CLI's log, masked; after a restart the masking is rebuilt from the credential ids, or the log is withheld. */
    private OutputStream log(TaskListener listener) throws InterruptedException {
        if (log == null) {
            try {
                log = Secrets.remask(context.get(Run.class), credentialIds, gitCredentialsId, listener.getLogger());
            } catch (IOException e) {
                listener.getLogger().println("agent-sandbox: the rest of the CLI's log is withheld: its credentials cannot be read again to mask it ("
                        + e.getMessage() + "); the run's bundle has the whole log");
                log = OutputStream.nullOutputStream();
            }
        }
        return log;
    }
}
