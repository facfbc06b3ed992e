package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsSessionRule;

/**
 * A run is a durable task on the agent: the controller restarts while the agent works, and the
 * resumed build reads the run's result as if nothing happened. Needs Docker with runsc and the test
 * image, like {@link AgentSandboxPipelineTest}; skipped without them, saying why.
 */
public class AgentSandboxRestartTest {
    @Rule
    public JenkinsSessionRule sessions = new JenkinsSessionRule();

    @BeforeClass
    public static void dockerWithGvisor() {
        Assume.assumeTrue("needs Docker with the runsc runtime and " + AgentSandboxPipelineTest.IMAGE + " (run scripts/setup-host.sh)",
                AgentSandboxPipelineTest.available());
    }

    @Test
    public void aRunGoesOnThroughAControllerRestartAndTheResumedStepReadsItsResult() throws Throwable {
        sessions.then(j -> {
            WorkflowJob p = j.createProject(WorkflowJob.class, "durable");
            p.setDefinition(new CpsFlowDefinition("""
                    node {
                      %s
                      def r = agentSandbox task: 'Add multiply, slowly', image: '%s', signingKey: 'ci.key',
                                           command: "sleep 20; printf 'def multiply(a, b):\\\\n    return a * b\\\\n' >> calc.py"
                      echo "verdict=${r.verdict} head=${r.headCommit}"
                    }
                    """.formatted(AgentSandboxPipelineTest.REPO, AgentSandboxPipelineTest.IMAGE), true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            // the agent is in its sandbox, sleeping: the controller goes down now
            j.waitForMessage("into a private copy", b);
            assertThat(b.isBuilding(), equalTo(true));
        });
        sessions.then(j -> {
            WorkflowJob p = j.jenkins.getItemByFullName("durable", WorkflowJob.class);
            WorkflowRun b = p.getBuildByNumber(1);
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("verdict=pass", b);
            AgentSandboxAction action = b.getAction(AgentSandboxAction.class);
            assertThat(action, notNullValue());
            assertThat(action.getHeadCommit(), notNullValue());
            assertThat(BundleArchive.dir(b, action.getKey()).child("run.json").exists(), equalTo(true));
        });
    }
}
