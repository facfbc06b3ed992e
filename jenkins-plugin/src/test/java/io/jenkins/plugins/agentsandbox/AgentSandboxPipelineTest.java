package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import hudson.model.Item;
import hudson.model.Result;
import java.util.concurrent.TimeUnit;
import jenkins.model.Jenkins;
import java.net.URL;
import org.htmlunit.HttpMethod;
import org.htmlunit.Page;
import org.htmlunit.WebRequest;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.support.steps.input.InputAction;
import org.jenkinsci.plugins.workflow.support.steps.input.InputStepExecution;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;

/**
 * Real pipelines through the real CLI: the agent in a gVisor sandbox on a real repository. They
 * need Docker with runsc and the image agent-sandbox/test-base:bookworm on this machine
 * (scripts/setup-host.sh); without them they are skipped, saying why.
 */
public class AgentSandboxPipelineTest {
    static final String IMAGE = "agent-sandbox/test-base:bookworm";

    @Rule
    public JenkinsRule j = new JenkinsRule();

    @BeforeClass
    public static void dockerWithGvisor() throws Exception {
        Assume.assumeTrue("needs Docker with the runsc runtime and " + IMAGE + " (run scripts/setup-host.sh)", available());
    }

    private static boolean available() {
        try {
            Process info = new ProcessBuilder("docker", "info", "--format", "{{json .Runtimes}}").redirectErrorStream(true).start();
            String runtimes = new String(info.getInputStream().readAllBytes());
            Process image = new ProcessBuilder("docker", "image", "inspect", IMAGE).redirectErrorStream(true).start();
            image.getInputStream().readAllBytes();
            return info.waitFor(30, TimeUnit.SECONDS) && info.exitValue() == 0 && runtimes.contains("runsc")
                    && image.waitFor(30, TimeUnit.SECONDS) && image.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static final String REPO = """
            sh '''
              git init -q -b main . && printf 'def add(a, b):\\n    return a + b\\n' > calc.py
              openssl genpkey -algorithm ed25519 -out ci.key && openssl pkey -in ci.key -pubout -out ci.pub
              printf 'agent-sandbox-runs/\\nci.key\\nci.pub\\n' > .git/info/exclude
              git add -A && git -c user.name=d -c user.email=d@x commit -q -m base
            '''
            """;

    private static final String AGENT = "image: '" + IMAGE + "', signingKey: 'ci.key', command: \"printf 'def multiply(a, b):\\\\n    return a * b\\\\n' >> calc.py\"";

    @Test
    public void onlyTheAuthenticatedUserWhoAnsweredTheInputAboutTheCommitApprovesAndThenItMerges() throws Exception {
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.READ, Item.READ, Item.BUILD).everywhere().to("alice", "mallory"));
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "approve");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  def r = agentSandbox task: 'Add multiply', %s
                  echo "verdict=${r.verdict} review=${r.reviewUrl}"
                  input id: 'Review', message: "Merge ${r.headCommit} from ${r.branch}? Review: ${r.reviewUrl}", submitter: 'alice'
                  def d = agentSandbox action: 'approve', signingKey: 'ci.key', publicKey: 'ci.pub'
                  echo "approved-by=${d.by}"
                  sh 'git checkout -q --detach'
                  agentSandbox action: 'merge', signingKey: 'ci.key', publicKey: 'ci.pub'
                  sh 'test "$(git rev-parse main)" = "$(git rev-parse ' + r.branch + ')"'
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        InputStepExecution input = awaitInput(b);

        // mallory is not the submitter: Jenkins refuses her answer
        JenkinsRule.WebClient mallory = j.createWebClient().login("mallory");
        mallory.setThrowExceptionOnFailingStatusCode(false);
        WebRequest proceed = new WebRequest(new URL(j.getURL(), b.getUrl() + "input/" + input.getId() + "/proceedEmpty"), HttpMethod.POST);
        mallory.addCrumb(proceed);
        Page refused = mallory.getPage(proceed);
        assertThat(refused.getWebResponse().getStatusCode() >= 400, equalTo(true));
        assertThat(b.isBuilding(), equalTo(true));

        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        HtmlPage page = alice.getPage(b, "input");
        j.submit(page.getFormByName(input.getId()), "proceed");
        j.assertBuildStatusSuccess(j.waitForCompletion(b));
        j.assertLogContains("verdict=pass", b);
        j.assertLogContains("approved-by=alice", b);

        AgentSandboxAction action = b.getAction(AgentSandboxAction.class);
        assertThat(action, notNullValue());
        assertThat(action.getDecidedBy(), equalTo("alice"));
        assertThat(action.getMerged(), equalTo(action.getHeadCommit()));
        // the review page is served with the build, under Jenkins' CSP, styled by its own file
        Page review = alice.goTo(b.getUrl() + action.reviewPath(), null);
        assertThat(review.getWebResponse().getContentAsString(), containsString("review.css"));
        assertThat(review.getWebResponse().getResponseHeaderValue("Content-Security-Policy"), containsString("style-src 'self'"));
    }

    @Test
    public void anApprovalNamingSomeoneElseThanWhoAnsweredIsRefused() throws Exception {
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy().grant(Jenkins.READ, Item.READ, Item.BUILD).everywhere().to("alice"));
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "claimed");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  def r = agentSandbox task: 'Add multiply', %s
                  input id: 'Review', message: "Merge ${r.headCommit}?", submitter: 'alice'
                  agentSandbox action: 'approve', by: 'the-cto', signingKey: 'ci.key', publicKey: 'ci.pub'
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        InputStepExecution input = awaitInput(b);
        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        j.submit(alice.getPage(b, "input").getFormByName(input.getId()), "proceed");
        j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(b));
        j.assertLogContains("by: 'the-cto' is not who answered the input ('alice')", b);
    }

    @Test
    public void anInputThatDoesNotNameTheCommitIsNoApproval() throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "vague");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  agentSandbox task: 'Add multiply', %s
                  input message: 'Merge it?'
                  agentSandbox action: 'approve', signingKey: 'ci.key', publicKey: 'ci.pub'
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        InputStepExecution input = awaitInput(b);
        j.submit(j.createWebClient().getPage(b, "input").getFormByName(input.getId()), "proceed");
        j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(b));
        j.assertLogContains("no input step in this build was answered about commit", b);
    }

    @Test
    public void anInputWithoutSubmitterIsNoApproval() throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "open");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  def r = agentSandbox task: 'Add multiply', %s
                  input message: "Merge ${r.headCommit}?"
                  agentSandbox action: 'approve', signingKey: 'ci.key', publicKey: 'ci.pub'
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        InputStepExecution input = awaitInput(b);
        j.submit(j.createWebClient().getPage(b, "input").getFormByName(input.getId()), "proceed");
        j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(b));
        j.assertLogContains("names no submitter", b);
    }

    @Test
    public void failedGatesFailTheStepWithTheSummaryAndKeepTheBundle() throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "fail");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  agentSandbox task: 'edit ci', image: '%s', command: 'echo x > Jenkinsfile'
                }
                """.formatted(REPO, IMAGE), true));
        WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
        j.assertLogContains("the gates failed; nothing of the agent's can be merged", b);
        AgentSandboxAction action = b.getAction(AgentSandboxAction.class);
        assertThat(action.getVerdict(), equalTo("fail"));
        assertThat(BundleArchive.dir(b, action.getKey()).child("reports/review.html").exists(), equalTo(true));
    }

    @Test
    public void returnStatusHandsTheFailedRunToTheJenkinsfile() throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "status");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  def r = agentSandbox task: 'edit ci', image: '%s', command: 'echo x > Jenkinsfile', returnStatus: true
                  echo "exit=${r.exitCode} verdict=${r.verdict} sarif=${r.reports.sarif}"
                }
                """.formatted(REPO, IMAGE), true));
        WorkflowRun b = j.assertBuildStatusSuccess(p.scheduleBuild2(0));
        j.assertLogContains("exit=1 verdict=fail sarif=agent-sandbox-runs/", b);
    }

    @Test
    public void anAgentThatChangesNothingMakesTheStepUnstable() throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "nochange");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  def r = agentSandbox task: 'nothing', image: '%s', command: 'true'
                  echo "head-is-null=${r.headCommit == null}"
                }
                """.formatted(REPO, IMAGE), true));
        WorkflowRun b = j.assertBuildStatus(Result.UNSTABLE, p.scheduleBuild2(0));
        j.assertLogContains("head-is-null=true", b);
        j.assertLogContains("the agent changed nothing", b);
    }

    private static InputStepExecution awaitInput(WorkflowRun b) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            InputAction a = b.getAction(InputAction.class);
            if (a != null && !a.getExecutions().isEmpty()) {
                return a.getExecutions().get(0);
            }
            if (!b.isBuilding()) {
                throw new AssertionError("the build ended before its input: " + b.getLog());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no input within 5 minutes");
    }
}
