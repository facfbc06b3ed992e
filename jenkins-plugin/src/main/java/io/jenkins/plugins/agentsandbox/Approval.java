package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import org.jenkinsci.plugins.workflow.actions.ArgumentsAction;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.graphanalysis.DepthFirstScanner;
import org.jenkinsci.plugins.workflow.support.steps.input.InputSubmittedAction;

/**
 * Who approved: the authenticated user Jenkins recorded on the {@code input} step that answered a
 * question naming the run's head commit (pipeline-input-step checks {@code submitter} and records
 * the approver on the input's flow node). Never a name the Jenkinsfile passes in.
 */
final class Approval {
    private Approval() {
    }

    static String approver(FlowNode here, String headCommit, String claimed) throws AbortException {
        FlowNode input = new DepthFirstScanner().findFirstMatch(here, n -> answeredAbout(n, headCommit));
        if (input == null) {
            FlowNode unreadable = new DepthFirstScanner().findFirstMatch(here,
                    n -> n.getPersistentAction(InputSubmittedAction.class) != null && !(ArgumentsAction.getArguments(n).get("message") instanceof String));
            throw new AbortException("agentSandbox(action: 'approve'): no input step in this build was answered about commit " + headCommit
                    + ". Ask first, naming the commit: input message: \"Merge ${r.headCommit}? Review: ${r.reviewUrl}\", submitter: '…'"
                    + (unreadable == null ? "" : ". An input was answered whose message Jenkins did not keep (over 1024 characters, holding a"
                    + " credential's value, or step arguments not kept): keep the message short and plain"));
        }
        if (!(ArgumentsAction.getArguments(input).get("submitter") instanceof String sub) || sub.isBlank()) {
            throw new AbortException("agentSandbox(action: 'approve'): the input about " + headCommit + " names no submitter, so anyone who may"
                    + " build the job could have answered it; give it submitter: the users or groups who may approve");
        }
        InputSubmittedAction submitted = input.getPersistentAction(InputSubmittedAction.class);
        String approver = submitted == null ? null : submitted.getApprover();
        if (approver == null || approver.isBlank()) {
            throw new AbortException("agentSandbox(action: 'approve'): the input about " + headCommit
                    + " was answered by no authenticated user; turn on Jenkins security so that approvals have an identity");
        }
        if (claimed != null && !claimed.equals(approver)) {
            throw new AbortException("agentSandbox(action: 'approve'): by: '" + claimed + "' is not who answered the input ('" + approver
                    + "'); leave by: out, the step records the authenticated user");
        }
        return approver;
    }

    private static boolean answeredAbout(FlowNode n, String headCommit) {
        if (n.getPersistentAction(InputSubmittedAction.class) == null) {
            return false;
        }
        Object message = ArgumentsAction.getArguments(n).get("message");
        return message instanceof String m && headCommit != null && m.contains(headCommit);
    }
}
