package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import hudson.AbortException;
import java.util.List;
import org.junit.Test;

/**
 * pr-open and pr-merge become the CLI's {@code pr open} and {@code pr merge} with the forge named
 * (no Jenkins variable says which), the pinned key, and never the token on the command line. Needs
 * no Jenkins: check/unit.sh runs it in every CI run.
 */
public class PrArgumentsTest {
    /** Fields set as the setters leave them (the setters' Util is a stub here, without Jenkins). */
    private static AgentSandboxStep step(String action) {
        AgentSandboxStep s = new AgentSandboxStep();
        set(s, "action", action);
        set(s, "publicKey", "/keys/run.pub");
        set(s, "forge", "gitlab");
        set(s, "forgeApi", "https://gitlab.example.com/api/v4");
        set(s, "project", "group/app");
        set(s, "forgeCredentialsId", "forge-token");
        set(s, "push", "origin");
        return s;
    }

    private static void set(AgentSandboxStep s, String field, String value) {
        try {
            java.lang.reflect.Field f = AgentSandboxStep.class.getDeclaredField(field);
            f.setAccessible(true);
            f.set(s, value);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    public void prOpenPushesAndOpensOnTheNamedForge() throws Exception {
        assertThat(Arguments.prOpen(step("pr-open"), "/b", "/ws"), equalTo(List.of("pr", "open", "--run", "/b", "--key", "/keys/run.pub",
                "--repo", "/ws", "--remote", "origin", "--forge", "gitlab", "--project", "group/app", "--api", "https://gitlab.example.com/api/v4")));
    }

    @Test
    public void prMergeNamesTheRequestAndSignsTheMerge() throws Exception {
        assertThat(Arguments.prMerge(step("pr-merge"), "/b", "/ws", "42", "/s/signing.key"), equalTo(List.of("pr", "merge", "--run", "/b",
                "--key", "/keys/run.pub", "--number", "42", "--repo", "/ws", "--remote", "origin", "--signing-key", "/s/signing.key",
                "--forge", "gitlab", "--project", "group/app", "--api", "https://gitlab.example.com/api/v4")));
    }

    @Test
    public void aMissingForgeProjectTokenOrKeyIsRefusedBeforeAnythingRuns() {
        AgentSandboxStep noForge = step("pr-open");
        set(noForge, "forge", "bitbucket");
        assertThat(assertThrows(AbortException.class, () -> Arguments.prOpen(noForge, "/b", "/ws")).getMessage(), containsString("forge: 'github' or 'gitlab'"));
        AgentSandboxStep noProject = step("pr-open");
        set(noProject, "project", null);
        assertThat(assertThrows(AbortException.class, () -> Arguments.prOpen(noProject, "/b", "/ws")).getMessage(), containsString("needs project"));
        AgentSandboxStep noToken = step("pr-merge");
        set(noToken, "forgeCredentialsId", null);
        assertThat(assertThrows(AbortException.class, () -> Arguments.prMerge(noToken, "/b", "/ws", "1", null)).getMessage(),
                containsString("needs forgeCredentialsId"));
        AgentSandboxStep noKey = step("pr-open");
        set(noKey, "publicKey", null);
        assertThat(assertThrows(AbortException.class, () -> Arguments.prOpen(noKey, "/b", "/ws")).getMessage(), containsString("needs publicKey"));
    }

    /** What pr-open and pr-merge read from the CLI: the last whole line of its shape, lines ended by \\n only. */
    @Test
    public void theRequestsNumberAddressAndLandedCommitAreReadFromTheLastLineOfTheirShape() {
        String open = "pushing\nopened pull request 12: https://github.com/o/r/pull/12\nnumber=12\n";
        assertThat(Decide.lastLine(open, "^number=([0-9]+)$", 1), equalTo("12"));
        assertThat(Decide.lastLine(open, "^opened [a-z ]+ [0-9]+: (https?://\\S+)$", 1), equalTo("https://github.com/o/r/pull/12"));
        String sha = "0123456789abcdef0123456789abcdef01234567";
        assertThat(Decide.lastLine("merged merge request 7 as " + sha + "\r\n", "^merged [a-z ]+ [0-9]+ as ([0-9a-f]{40})$", 1), equalTo(sha));
        // a title or branch printed before cannot pose as the result: only whole lines count, the last one wins, and U+2028 ends none
        assertThat(Decide.lastLine("title number=99\u2028number=98\nnumber=12\n", "^number=([0-9]+)$", 1), equalTo("12"));
        assertThat(Decide.lastLine("nothing here", "^number=([0-9]+)$", 1), equalTo(null));
    }

    /** A cloud model with the job's identity: the CLI's --model-* options, the id token as a file, never its value on the command line. */
    @Test
    public void aCloudModelWithTheJobsIdentityBecomesTheClisModelOptions() throws Exception {
        AgentSandboxStep s = new AgentSandboxStep();
        set(s, "task", "fix it");
        set(s, "modelProvider", "bedrock");
        set(s, "modelRegion", "eu-west-1");
        set(s, "modelRoleArn", "arn:aws:iam::123456789012:role/agent");
        set(s, "modelTokenCredentialsId", "jenkins-oidc");
        List<String> a = Arguments.run(s, new Arguments.RunInputs("/ws", "/ws/b", "/t/task.txt", null, null, null, "alice", null, "/s/model.token"));
        String line = String.join(" ", a);
        assertThat(line, containsString("--model-provider bedrock"));
        assertThat(line, containsString("--model-region eu-west-1 --model-role-arn arn:aws:iam::123456789012:role/agent --model-token-file /s/model.token"));
        assertThat(line.contains("jenkins-oidc"), equalTo(false));
    }
}
