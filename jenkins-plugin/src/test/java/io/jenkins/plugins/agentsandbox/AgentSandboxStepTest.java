package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import hudson.FilePath;
import hudson.model.JDK;
import hudson.model.Result;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.jvnet.hudson.test.JenkinsRule;

/** The step's binding, checks and CLI handling: none of these needs Docker. */
public class AgentSandboxStepTest {
    @Rule
    public JenkinsRule j = new JenkinsRule();

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void parametersSurviveAConfigurationRoundTrip() throws Exception {
        AgentSandboxStep s = new AgentSandboxStep();
        s.setTask("Add multiply");
        s.setImage("agent:1");
        s.setCommand("run-agent");
        s.setTier("gvisor");
        s.setPush("origin");
        s.setModelProvider("anthropic");
        s.setModelUrl("https://llm-gateway.corp.invalid/anthropic");
        s.setBackend("kubernetes");
        s.setModelCredentialsId("model-key");
        s.setSigningKeyCredentialsId("signing-key");
        s.setGitCredentialsId("git");
        s.setPublicKey(".agent-sandbox/signing.pub");
        s.setReturnStatus(true);
        AgentSandboxStep back = new StepConfigTester(j).configRoundTrip(s);
        j.assertEqualDataBoundBeans(s, back);
    }

    @Test
    public void theTaskGoesInAFileNeverOnTheCommandLine() throws Exception {
        String task = "x'; rm -rf / #\n$(whoami)";
        AgentSandboxStep s = new AgentSandboxStep();
        s.setTask(task);
        s.setImage("agent:1");
        List<String> args = Arguments.run(s, new Arguments.RunInputs("/ws", "/ws/b", "/tmp/task.txt", null, null, null, "alice", null));
        assertThat(args.subList(0, 7), equalTo(List.of("run", "--repo", "/ws", "--bundle", "/ws/b", "--task-file", "/tmp/task.txt")));
        assertThat(args, not(hasItem(task)));
        assertThat(args, hasItem("--requested-by"));
    }

    @Test
    public void backendAndModelUrlReachTheCli() throws Exception {
        AgentSandboxStep s = new AgentSandboxStep();
        s.setTask("t");
        s.setBackend("kubernetes");
        s.setModelProvider("anthropic");
        s.setModelUrl("https://llm-gateway.corp.invalid/anthropic");
        List<String> args = Arguments.run(s, new Arguments.RunInputs("/ws", "/ws/b", "/tmp/task.txt", null, null, null, "alice", null));
        String line = String.join(" ", args);
        assertThat(line.contains("--backend kubernetes"), equalTo(true));
        assertThat(line.contains("--model-provider anthropic --model-url https://llm-gateway.corp.invalid/anthropic"), equalTo(true));
    }

    @Test
    public void javaVersionsAreRead() {
        assertThat(NodeJava.major("openjdk version \"17.0.12\" 2024-07-16"), equalTo(17));
        assertThat(NodeJava.major("openjdk version \"21\" 2023-09-19"), equalTo(21));
        assertThat(NodeJava.major("java version \"1.8.0_292\""), equalTo(8));
        assertThat(NodeJava.major("Error: could not find libjava.so"), equalTo(-1));
    }

    @Test
    public void secretsAreMaskedInTheStepsOutput() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Secrets.Masking m = new Secrets.Masking(sink, List.of("sk-ant-0123456789"))) {
            m.write("key=sk-ant-0123456789 done\nplain line\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(sink.toString(StandardCharsets.UTF_8), equalTo("key=**** done\nplain line\n"));
    }

    @Test
    public void aMissingTaskFailsTheStepAndTheCliIsCachedOnceByDigest() throws Exception {
        WorkflowRun b = pipeline("node { agentSandbox image: 'x' }", Result.FAILURE);
        j.assertLogContains("give the task", b);
        pipeline("node { agentSandbox image: 'x' }", Result.FAILURE);
        FilePath cache = j.jenkins.getRootPath().child("caches/agent-sandbox-cli");
        String sha = CliJar.digest();
        List<String> names = cache.list().stream().map(FilePath::getName).toList();
        assertThat(names, equalTo(List.of(sha + ".jar")));

        // an altered copy is replaced, never run
        cache.child(sha + ".jar").write("tampered", "UTF-8");
        pipeline("node { agentSandbox image: 'x' }", Result.FAILURE);
        assertThat(cache.child(sha + ".jar").act(new CliJar.Sha256()), equalTo(sha));
    }

    @Test
    public void aDecisionWithoutAPinnedKeyIsRefusedBeforeAnythingRuns() throws Exception {
        WorkflowRun b = pipeline("node { agentSandbox action: 'approve' }", Result.FAILURE);
        j.assertLogContains("needs publicKey", b);
    }

    @Test
    public void aDecisionWithoutARunInTheBuildSaysSo() throws Exception {
        WorkflowRun b = pipeline("node { agentSandbox action: 'merge', publicKey: 'k.pub' }", Result.FAILURE);
        j.assertLogContains("this build has no agent-sandbox run", b);
    }

    @Test
    public void anUnknownActionIsNamed() throws Exception {
        WorkflowRun b = pipeline("node { agentSandbox task: 'x', action: 'deploy' }", Result.FAILURE);
        j.assertLogContains("unknown action 'deploy'", b);
    }

    @Test
    public void aJavaOlderThan17IsReportedAsSuchNotAsAFailedGate() throws Exception {
        File home = tmp.newFolder("old-jdk");
        File java = new File(home, "bin/java");
        Files.createDirectories(java.getParentFile().toPath());
        Files.writeString(java.toPath(), "#!/bin/sh\necho 'java version \"1.8.0_292\"' >&2\n");
        assertThat(java.setExecutable(true), equalTo(true));
        j.jenkins.getDescriptorByType(JDK.DescriptorImpl.class).setInstallations(new JDK("old", home.getAbsolutePath()));
        WorkflowRun b = pipeline("node { agentSandbox task: 'x', image: 'y', jdk: 'old' }", Result.FAILURE);
        j.assertLogContains("is Java 8; the CLI needs Java 17", b);
        WorkflowRun none = pipeline("node { agentSandbox task: 'x', image: 'y', jdk: 'missing' }", Result.FAILURE);
        j.assertLogContains("no JDK tool named 'missing'", none);
    }

    @Test
    public void choicesAreValidated() {
        AgentSandboxStep.DescriptorImpl d = j.jenkins.getDescriptorByType(AgentSandboxStep.DescriptorImpl.class);
        assertThat(d.doCheckAction(null, "deploy").kind.name(), equalTo("ERROR"));
        assertThat(d.doCheckAction(null, "merge").kind.name(), equalTo("OK"));
        assertThat(d.doCheckTier(null, "container").kind.name(), equalTo("WARNING"));
        assertThat(d.doCheckTier(null, "vm").kind.name(), equalTo("ERROR"));
        assertThat(d.doCheckTask(null, "", "run").kind.name(), equalTo("ERROR"));
        assertThat(Arrays.toString(d.doFillActionItems().stream().map(o -> o.value).toArray()), containsString("approve"));
    }

    WorkflowRun pipeline(String script, Result expected) throws Exception {
        WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "p" + System.nanoTime());
        p.setDefinition(new CpsFlowDefinition(script, true));
        return j.assertBuildStatus(expected, p.scheduleBuild2(0));
    }
}
