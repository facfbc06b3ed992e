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
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.support.steps.input.InputAction;
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

    /** Each probe is bounded: a hung daemon skips the class instead of hanging it. */
    static boolean available() {
        return probe("runsc", "docker", "info", "--format", "{{json .Runtimes}}") && probe(null, "docker", "image", "inspect", IMAGE);
    }

    private static boolean probe(String needle, String... cmd) {
        try {
            java.io.File out = java.io.File.createTempFile("probe", ".txt");
            try {
                Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
                if (!pr.waitFor(20, TimeUnit.SECONDS)) {
                    pr.destroyForcibly();
                    return false;
                }
                return pr.exitValue() == 0 && (needle == null || java.nio.file.Files.readString(out.toPath()).contains(needle));
            } finally {
                java.nio.file.Files.deleteIfExists(out.toPath());
            }
        } catch (Exception e) {
            return false;
        }
    }

    static final String REPO = """
            sh '''
              git init -q -b main . && printf 'def add(a, b):\\n    return a + b\\n' > calc.py
              openssl genpkey -algorithm ed25519 -out ci.key && openssl pkey -in ci.key -pubout -out ci.pub
              printf 'agent-sandbox-runs/\\nci.key\\nci.pub\\n' > .git/info/exclude
              git add -A && git -c user.name=d -c user.email=d@x commit -q -m base
            '''
            """;

    private static final String AGENT = "image: '" + IMAGE + "', signingKey: 'ci.key', command: \"printf 'def multiply(a, b):\\\\n    return a * b\\\\n' >> calc.py\"";

    @Test
    public void onlySubmittersDecideOnTheBuildPageAdministratorsIncludedAndTheQuorumLandsTheCommit() throws Exception {
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.READ, Item.READ, Item.BUILD).everywhere().to("alice", "bob", "mallory")
                .grant(Jenkins.ADMINISTER).everywhere().to("admin"));
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "approve");
        p.setDefinition(new CpsFlowDefinition("""
                def r
                node {
                  %s
                  r = agentSandbox task: 'Add multiply', %s
                  echo "verdict=${r.verdict} review=${r.reviewUrl}"
                }
                def a = agentSandboxApproval submitter: 'alice,bob', quorum: 2
                echo "decision=${a.decision} approvers=${a.approvers}"
                node {
                  def d = agentSandbox action: 'approve', signingKey: 'ci.key', publicKey: 'ci.pub'
                  echo "approved-by=${d.by}"
                  sh 'git checkout -q --detach'
                  agentSandbox action: 'merge', signingKey: 'ci.key', publicKey: 'ci.pub'
                  sh 'test "$(git rev-parse main)" = "$(git rev-parse ' + r.branch + ')"'
                  def v = agentSandbox action: 'verify', publicKey: 'ci.pub'
                  echo "verified=${v.verified}"
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        AgentSandboxAction action = awaitQuestion(b);
        String head = action.getHeadCommit();

        // neither an administrator nor a user outside submitter decides; the build keeps waiting
        assertThat(decide(b, action, "admin", head, "approve"), equalTo(403));
        assertThat(decide(b, action, "mallory", head, "approve"), equalTo(403));
        // a page showing another commit is refused
        assertThat(decide(b, action, "alice", "f".repeat(40), "approve"), equalTo(409));
        assertThat(decide(b, action, "alice", head, "approve"), equalTo(200));
        assertThat(decide(b, action, "alice", head, "approve"), equalTo(409)); // once per person
        assertThat(b.isBuilding(), equalTo(true));
        assertThat(action.getProgress(), equalTo("1 of 2"));
        assertThat(decide(b, action, "bob", head, "approve"), equalTo(200));

        j.assertBuildStatusSuccess(j.waitForCompletion(b));
        j.assertLogContains("verdict=pass", b);
        j.assertLogContains("decision=approved approvers=[alice, bob]", b);
        j.assertLogContains("approved-by=alice, bob", b);
        j.assertLogContains("verified=true", b);
        assertThat(action.getDecisions().size(), equalTo(2));
        assertThat(action.getMerged(), equalTo(head));
        // the review page is served with the build, under Jenkins' CSP, styled by its own file
        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        Page review = alice.goTo(b.getUrl() + action.reviewPath(), null);
        assertThat(review.getWebResponse().getContentAsString(), containsString("review.css"));
        assertThat(review.getWebResponse().getResponseHeaderValue("Content-Security-Policy"), containsString("style-src 'self'"));
        // every decision is on the run's page
        String page = alice.goTo(b.getUrl() + action.getUrlName()).asNormalizedText();
        assertThat(page, containsString("alice"));
        assertThat(page, containsString("bob"));
    }

    @Test
    public void aRejectionEndsTheWaitAndNoApprovalCanThenBeRecorded() throws Exception {
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy().grant(Jenkins.READ, Item.READ).everywhere().to("alice", "bob"));
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "reject");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  agentSandbox task: 'Add multiply', %s
                }
                def a = agentSandboxApproval submitter: 'alice,bob'
                echo "decision=${a.decision} rejectedBy=${a.rejectedBy}"
                node {
                  def x = agentSandbox action: 'reject', signingKey: 'ci.key', publicKey: 'ci.pub'
                  echo "recorded=${x.decision} by=${x.by}"
                  agentSandbox action: 'approve', by: 'alice', signingKey: 'ci.key', publicKey: 'ci.pub'
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        AgentSandboxAction action = awaitQuestion(b);
        assertThat(decide(b, action, "bob", action.getHeadCommit(), "reject"), equalTo(200));
        j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(b));
        j.assertLogContains("decision=rejected rejectedBy=bob", b);
        j.assertLogContains("recorded=rejected by=bob", b);
        j.assertLogContains("bob rejected commit " + action.getHeadCommit(), b);
    }

    @Test
    public void anApproveStepWithoutDecisionsOnThePageIsRefused() throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "noquestion");
        p.setDefinition(new CpsFlowDefinition("""
                node {
                  %s
                  agentSandbox task: 'Add multiply', %s
                  input message: 'Merge it?'
                  agentSandbox action: 'approve', signingKey: 'ci.key', publicKey: 'ci.pub'
                }
                """.formatted(REPO, AGENT), true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (b.getAction(InputAction.class) == null || b.getAction(InputAction.class).getExecutions().isEmpty()) {
            assertThat("the build waits for its input within 120 s", System.nanoTime() < deadline && b.isBuilding(), equalTo(true));
            Thread.sleep(200);
        }
        j.submit(j.createWebClient().getPage(b, "input").getFormByName(b.getAction(InputAction.class).getExecutions().get(0).getId()), "proceed");
        j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(b));
        j.assertLogContains("nobody approved commit", b);
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

    /** The run's action once its approval step asks; within JenkinsRule's 180 s timeout. */
    private static AgentSandboxAction awaitQuestion(WorkflowRun b) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (System.nanoTime() < deadline) {
            AgentSandboxAction a = b.getAction(AgentSandboxAction.class);
            if (a != null && a.getOpenQuestion() != null) {
                return a;
            }
            if (!b.isBuilding()) {
                throw new AssertionError("the build ended before it asked for approvals: " + b.getLog(200));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no question within 150 s");
    }

    /** One decision POSTed as a user, with Jenkins' crumb; the HTTP status. */
    private int decide(WorkflowRun b, AgentSandboxAction a, String user, String commit, String decision) throws Exception {
        JenkinsRule.WebClient wc = j.createWebClient().login(user);
        wc.setThrowExceptionOnFailingStatusCode(false);
        wc.setRedirectEnabled(true);
        Ballot.Question q = a.getOpenQuestion();
        String question = q == null ? "none" : q.getId();
        WebRequest req = new WebRequest(new URL(j.getURL(), b.getUrl() + a.getUrlName() + "/decide?question=" + question + "&commit=" + commit
                + "&decision=" + decision), HttpMethod.POST);
        wc.addCrumb(req);
        return wc.getPage(req).getWebResponse().getStatusCode();
    }
}
