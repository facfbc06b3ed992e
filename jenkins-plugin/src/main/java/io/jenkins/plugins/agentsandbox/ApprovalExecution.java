package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.flow.FlowExecution;
import org.jenkinsci.plugins.workflow.flow.FlowExecutionOwner;
import org.jenkinsci.plugins.workflow.steps.AbstractStepExecutionImpl;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * Waits for the decisions of {@link ApprovalStep}. All state is the run's {@link Ballot}, saved
 * with the build, so a restarted controller resumes the wait and settles a question that reached
 * its outcome while it was down. The step holds no executor and no node.
 */
final class ApprovalExecution extends AbstractStepExecutionImpl {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(ApprovalExecution.class.getName());
    private final transient ApprovalStep step;
    private String key;
    private String id;
    private String commit;
    private volatile boolean finished;

    ApprovalExecution(ApprovalStep step, StepContext context) {
        super(context);
        this.step = step;
    }

    @Override
    public boolean start() throws Exception {
        Run<?, ?> run = getContext().get(Run.class);
        TaskListener listener = getContext().get(TaskListener.class);
        if (step.getSubmitter() == null) {
            throw new AbortException("agentSandboxApproval needs submitter: the users or groups who may decide (administrators are held to it too)");
        }
        if (step.getQuorum() < 0 || step.getQuorum() > 20) {
            throw new AbortException("agentSandboxApproval: quorum: " + step.getQuorum() + " is out of range (1 to 20)");
        }
        if (step.getBundle() == null && run.getActions(AgentSandboxAction.class).size() > 1) {
            throw new AbortException("agentSandboxApproval: this build has several agent-sandbox runs; name the one to decide on with bundle: its runId");
        }
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandboxApproval");
        commit = target.getHeadCommit();
        if (commit == null) {
            throw new AbortException("agentSandboxApproval: run " + target.getRunId() + " committed nothing; there is nothing to approve");
        }
        JSONObject record = RunOutcome.readRecord(BundleArchive.dir(run, target.getKey()));
        JSONObject rules = record == null ? null : record.optJSONObject("approval");
        int needed = Math.max(Math.max(1, step.getQuorum()), rules == null ? 1 : rules.optInt("approvers", 1));
        String requester = record == null || (rules != null && rules.optBoolean("allowSelf", false)) ? null
                : RunOutcome.text(record, "requestedBy");
        List<String> allowed = new ArrayList<>();
        if (rules != null && rules.opt("allowed") instanceof List<?> list) {
            list.forEach(a -> allowed.add(String.valueOf(a)));
        }
        key = target.getKey();
        id = UUID.randomUUID().toString();
        String refusal = target.ballot().ask(new Ballot.Question(id, step.getSubmitter(), needed, commit, requester, allowed));
        if (refusal != null) {
            throw new AbortException("agentSandboxApproval: " + refusal);
        }
        try {
            run.save();
        } catch (IOException e) {
            target.ballot().withdraw(id); // no question may outlive the step that asked it
            throw e;
        }
        watch(); // a decision whose notice was lost (a busy or loading flow) still ends the wait
        listener.getLogger().println("agent-sandbox: waiting for " + needed + " approval(s) of commit " + commit + " from " + step.getSubmitter()
                + "; decide on " + target.getUrlName() + " of this build");
        return false;
    }

    /** Looks at the ballot every 10 s until the question has an outcome; notices from the page only make it sooner. */
    private void watch() {
        jenkins.util.Timer.get().schedule(() -> {
            if (finished) {
                return;
            }
            try {
                AgentSandboxAction a = action();
                Ballot.Outcome o = a == null ? null : a.ballot().outcomeOf(id);
                if (o != null) {
                    settle(o);
                    return;
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                LOGGER.log(Level.FINE, "agentSandboxApproval: could not read the ballot", e);
            }
            watch();
        }, 10, TimeUnit.SECONDS);
    }

    /** Called by the page after a decision was added and saved. */
    void decided(Ballot.Decision d, Ballot.Outcome outcome) {
        try {
            getContext().get(TaskListener.class).getLogger().println("agent-sandbox: " + d.getBy() + " " + (d.getDecision().equals(Ballot.APPROVE)
                    ? "approved" : "rejected") + " commit " + d.getCommit());
        } catch (IOException | InterruptedException e) {
            LOGGER.log(Level.FINE, "no log for the decision", e);
        }
        if (outcome != null) {
            settle(outcome);
        }
    }

    private synchronized void settle(Ballot.Outcome o) {
        if (finished) {
            return;
        }
        finished = true;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("decision", o.decision());
        result.put("approvers", List.copyOf(o.approvers()));
        result.put("rejectedBy", o.rejectedBy());
        result.put("headCommit", o.commit());
        try {
            AgentSandboxAction a = action();
            result.put("runId", a == null ? null : a.getRunId());
        } catch (IOException | InterruptedException e) {
            result.put("runId", null);
        }
        getContext().onSuccess(result);
    }

    private AgentSandboxAction action() throws IOException, InterruptedException {
        for (AgentSandboxAction a : getContext().get(Run.class).getActions(AgentSandboxAction.class)) {
            if (a.getKey().equals(key)) {
                return a;
            }
        }
        return null;
    }

    /** A decision taken while the controller was down may have settled the question. */
    @Override
    public void onResume() {
        try {
            AgentSandboxAction a = action();
            Ballot.Outcome o = a == null ? null : a.ballot().outcomeOf(id);
            if (o != null) {
                settle(o);
            } else {
                watch();
            }
        } catch (IOException | InterruptedException e) {
            getContext().onFailure(e);
        }
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        finished = true;
        AgentSandboxAction a = action();
        if (a != null) {
            a.ballot().withdraw(id);
            a.getRun().save();
        }
        getContext().onFailure(cause);
    }

    @Override
    public String getStatus() {
        return "waiting for approvals of commit " + commit;
    }

    /** Tells the waiting step of a decision; when the flow cannot be read now, onResume settles it later. */
    static void notify(Run<?, ?> run, String questionId, Ballot.Decision d, Ballot.Outcome outcome) {
        FlowExecutionOwner owner = run instanceof FlowExecutionOwner.Executable e ? e.asFlowExecutionOwner() : null;
        FlowExecution flow = owner == null ? null : owner.getOrNull();
        if (flow == null) {
            return;
        }
        try {
            for (StepExecution se : flow.getCurrentExecutions(true).get(10, TimeUnit.SECONDS)) {
                if (se instanceof ApprovalExecution ae && questionId.equals(ae.id)) {
                    ae.decided(d, outcome);
                }
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException x) {
            LOGGER.log(Level.WARNING, "could not reach the waiting agentSandboxApproval step of " + run, x);
        }
    }
}
