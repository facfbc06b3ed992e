package dev.agentsandbox.jenkins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import hudson.model.Result;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * The step's binding and its mapping of outcomes onto the build. The runs need Docker with runsc
 * on the Jenkins agent (scripts/setup-host.sh) and the test image agent-sandbox/test-base:bookworm.
 */
public class AgentSandboxStepTest {
    @Rule
    public JenkinsRule j = new JenkinsRule();

    @Test
    public void parametersSurviveAConfigurationRoundTrip() throws Exception {
        AgentSandboxStep s = new AgentSandboxStep("Add multiply");
        s.setImage("agent:1");
        s.setCommand("run-agent");
        s.setTier("gvisor");
        s.setPush("origin");
        s.setModelProvider("anthropic");
        s.setModelKeyVariable("ANTHROPIC_API_KEY");
        AgentSandboxStep back = new StepConfigTester(j).configRoundTrip(s);
        j.assertEqualDataBoundBeans(s, back);
    }

    @Test
    public void theArgumentsAreOneValueEachAndTheTaskIsNeverParsedByAShell() throws Exception {
        AgentSandboxStep s = new AgentSandboxStep("x'; rm -rf / #\n$(whoami)");
        s.setImage("agent:1");
        s.setCommand("run-agent");
        List<String> args = Arguments.of(s, "/ws");
        assertThat(args.subList(0, 7), contains("run", "--repo", "/ws", "--bundle", "agent-sandbox-run", "--task", "x'; rm -rf / #\n$(whoami)"));
    }

    private WorkflowRun pipeline(String script, Result expected) throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "p" + System.nanoTime());
        p.setDefinition(new CpsFlowDefinition(script, true));
        return j.assertBuildStatus(expected, p.scheduleBuild2(0));
    }

    private static final String REPO = """
            sh '''
              git init -q -b main . && printf 'def add(a, b):\\n    return a + b\\n' > calc.py
              git add -A && git -c user.name=d -c user.email=d@x commit -q -m base
            '''
            """;

    @Test
    public void aPassingRunReturnsItsResultAndAnApprovalThenMergeLandsIt() throws Exception {
        WorkflowRun b = pipeline("""
                node {
                  %s
                  sh 'openssl genpkey -algorithm ed25519 -out ci.key && openssl pkey -in ci.key -pubout -out ci.pub'
                  def r = agentSandbox task: 'Add multiply', image: 'agent-sandbox/test-base:bookworm', signingKey: 'ci.key',
                                       command: "printf 'def multiply(a, b):\\\\n    return a * b\\\\n' >> calc.py"
                  echo "verdict=${r.verdict} branch=${r.branch}"
                  archiveArtifacts artifacts: 'agent-sandbox-run/**'
                  agentSandbox task: '', action: 'approve', by: 'alice', signingKey: 'ci.key', publicKey: 'ci.pub'
                  sh 'git checkout -q --detach'
                  agentSandbox task: '', action: 'merge', signingKey: 'ci.key', publicKey: 'ci.pub'
                  sh 'test "$(git rev-parse main)" = "$(git rev-parse ' + r.branch + ')"'
                }
                """.formatted(REPO), Result.SUCCESS);
        j.assertLogContains("verdict=pass branch=agent/add-multiply-", b);
        assertThat(b.getArtifacts().stream().anyMatch(a -> a.relativePath.endsWith("review.html")), equalTo(true));
    }

    @Test
    public void failedGatesFailTheBuildButStillReturnTheReports() throws Exception {
        WorkflowRun b = pipeline("""
                node {
                  %s
                  def r = agentSandbox task: 'edit ci', image: 'agent-sandbox/test-base:bookworm', command: 'echo x > Jenkinsfile'
                  echo "verdict=${r.verdict} sarif=${r.reports.sarif}"
                }
                """.formatted(REPO), Result.FAILURE);
        j.assertLogContains("verdict=fail sarif=agent-sandbox-run/reports/results.sarif", b);
    }

    @Test
    public void aMergeWithoutApprovalFailsTheStep() throws Exception {
        WorkflowRun b = pipeline("""
                node {
                  %s
                  sh 'openssl genpkey -algorithm ed25519 -out ci.key && openssl pkey -in ci.key -pubout -out ci.pub'
                  agentSandbox task: 'Add multiply', image: 'agent-sandbox/test-base:bookworm', command: 'echo x >> calc.py', signingKey: 'ci.key'
                  agentSandbox task: '', action: 'merge', publicKey: 'ci.pub'
                }
                """.formatted(REPO), Result.FAILURE);
        j.assertLogContains("was refused (exit 4)", b);
    }

    @Test
    public void aDecisionWithoutAPinnedKeyIsRefusedBeforeTheJarRuns() throws Exception {
        WorkflowRun b = pipeline("""
                node {
                  agentSandbox task: '', action: 'approve', by: 'alice'
                }
                """, Result.FAILURE);
        j.assertLogContains("needs publicKey", b);
    }
}
