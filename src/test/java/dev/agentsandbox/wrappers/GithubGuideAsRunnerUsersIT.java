package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.testing.RunnerUser;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's GitHub guide, step by step, as the users runners really are: the developer makes the
 * key pair and commits the public key; the private key is one secret, written to a file by the
 * workflow's own step; the example workflow's agent, approve and merge jobs run as written
 * ({@link WorkflowRunner}) with the action's composite steps. A GitHub-hosted runner (uid 1001, sudo)
 * and root end with the agent's commit on the remote; a runner without sudo gets the documented
 * refusal, then lands the commit once the repository's configuration turns the two controls off.
 * Every job downloads the release's jar (scripts/release.sh's assets, served on loopback) and checks
 * its SHA-256. Replaced, and said so: the agent's image build and the model (a scripted edit in the
 * test image).
 */
class GithubGuideAsRunnerUsersIT {
    Path root;

    @AfterEach
    void remove() throws Exception {
        if (root != null) {
            RunnerUser.remove(root);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RunnerUser.class, names = {"GITHUB_HOSTED", "NO_SUDO", "ROOT"})
    void theGuideEndsWithTheAgentsCommitOnTheRemoteOrTheDocumentedRefusal(RunnerUser user) throws Exception {
        followTheGuide(user, "push");
    }

    /** Delivery as a pull request (protected branches): opened before the approval, merged through the forge after it. */
    @org.junit.jupiter.api.Test
    void withPullRequestDeliveryTheApprovedCommitLandsThroughTheForge() throws Exception {
        followTheGuide(RunnerUser.GITHUB_HOSTED, "pull-request");
    }

    void followTheGuide(RunnerUser user, String delivery) throws Exception {
        user.requirePresent();
        root = user.newFolder("guide-github");
        SampleRepo repo = SampleRepo.create(root);
        user.own(root);
        Path cli = Path.of("bin/agent-sandbox").toAbsolutePath();
        Map<String, String> jar = Map.of("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));

        // 1. The developer: `agent-sandbox keygen --out signing`, signing.pub committed as .agent-sandbox/signing.pub.
        Path dev = root.resolve("developer");
        Files.createDirectories(dev);
        user.own(dev);
        var keygen = user.exec(List.of(cli.toString(), "keygen", "--out", "signing"), dev, jar);
        assertThat(keygen.exitCode()).as(keygen.out()).isZero();
        commit(user, repo.dir, "mkdir -p .agent-sandbox && cp " + dev.resolve("signing.pub") + " .agent-sandbox/signing.pub", "pin the signing key");

        try (dev.agentsandbox.testing.ForgeStandIn api = new dev.agentsandbox.testing.ForgeStandIn(repo.remote);
             ReleaseServer release = new ReleaseServer(root.resolve("release"))) {
            WorkflowRunner gh = new WorkflowRunner(user, root, repo.remote);
            gh.secrets.put("AGENT_SANDBOX_SIGNING_KEY_PEM", Files.readString(dev.resolve("signing.key")));
            gh.secrets.put("ANTHROPIC_API_KEY", "sk-ant-test-never-in-the-sandbox");
            gh.inputs.put("task", "Add a multiply function; $(touch " + root.resolve("pwned") + ")");
            // the repository is its remote, .../<root>/remote.git, as GITHUB_REPOSITORY names a GitHub one
            gh.github.putAll(Map.of("GITHUB_ACTOR", "octocat", "GITHUB_REPOSITORY", root.getFileName() + "/remote", "GITHUB_RUN_ID", "4242",
                    "GITHUB_API_URL", api.url(), "GITHUB_TOKEN", "ghs_jobtoken", "GITHUB_REF", "refs/heads/main"));
            gh.replace.put("Build the agent image (nothing is pulled when the agent runs)", step -> null);
            // As root, the agent adds a shared library: a high-risk change, which needs a second person.
            boolean high = user == RunnerUser.ROOT;
            gh.replace.put("agent", step -> {
                ObjectNode s = step.deepCopy();
                ((ObjectNode) s.path("with")).put("image", TestHost.IMAGE)
                        .put("command", high ? "mkdir -p lib && printf 'def multiply(a, b):\\n    return a * b\\n' > lib/mul.py"
                                : "printf '\\n\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py");
                return s;
            });
            // 4. The workflow copied, with the release's jar and the SHA-256 from its page.
            gh.workflowEnv.put("JAR_URL", release.jarUrl());
            gh.workflowEnv.put("JAR_SHA256", release.sha256);
            gh.workflowEnv.put("DELIVERY", delivery);
            api.runApprovals = "[" + String.join(",", GithubApiStandIn.approval("ann", "agent-approval", "approved", "ship it").replaceAll("^\\[|]$", ""),
                    GithubApiStandIn.approval("bob", "agent-approval-second", "approved", "second pair of eyes").replaceAll("^\\[|]$", "")) + "]";

            WorkflowRunner.Job agent = gh.run("agent");
            if (user == RunnerUser.NO_SUDO) {
                assertThat(agent.succeeded()).as(gh.log.toString()).isFalse();
                assertThat(agent.outputs().get("exit-code")).isEqualTo("3");
                assertThat(gh.log).contains("this host cannot give 2 controls the run asks for")
                        .contains("sandbox: {disk: unlimited, process-log: false}");
                assertThat(repo.remote.resolve("refs/heads")).isDirectoryNotContaining("glob:**/agent*");
                // the documented way to run here: the repository's configuration says so, by name
                commit(user, repo.dir, "sed -i 's/^sandbox:$/sandbox:\\n  disk: unlimited\\n  process-log: false/' .agent-sandbox.yml",
                        "run without the disk quota and the process log on this runner");
                agent = gh.run("agent");
            }
            assertThat(agent.succeeded()).as(gh.log.toString()).isTrue();
            assertThat(agent.outputs().get("verdict")).isEqualTo("pass");
            String head = agent.outputs().get("head-commit");
            assertThat(head).matches("[0-9a-f]{40}");
            assertThat(gh.sarifUploads).as("alerts attach to the agent's commit").anySatisfy(u -> assertThat(u).endsWith(" " + head));

            WorkflowRunner.Job deliver = gh.run("deliver");
            assertThat(deliver.skipped()).isEqualTo(!delivery.equals("pull-request"));
            if (!deliver.skipped()) {
                assertThat(deliver.succeeded()).as(gh.log.toString()).isTrue();
                assertThat(deliver.outputs().get("number")).isEqualTo("1");
                assertThat(api.requests).contains("POST /repos/" + root.getFileName() + "/remote/pulls");
                api.review(1, "bob", "APPROVED", head); // a review on the pull request, of the run's commit
            }
            WorkflowRunner.Job approve = gh.run("approve");
            assertThat(approve.succeeded()).as(gh.log.toString()).isTrue();
            assertThat(approve.outputs().get("quorum-met")).isEqualTo(high ? "false" : "true");
            WorkflowRunner.Job second = gh.run("approve-second");
            assertThat(second.skipped()).as("a second approval only where the quorum asks for it").isEqualTo(!high);
            if (high) {
                assertThat(second.succeeded()).as(gh.log.toString()).isTrue();
                assertThat(second.outputs().get("quorum-met")).isEqualTo("true");
            }
            WorkflowRunner.Job merge = gh.run("merge");
            assertThat(merge.succeeded()).as(gh.log.toString()).isTrue();
            landed(repo.remote, head, delivery.equals("push"), api, "PUT /repos/", "/pulls/1/merge");
            assertThat(Files.readString(root.resolve("artifacts/agent-sandbox-approved/approval.json"))).contains("\"by\" : \"ann\"");
            if (high) {
                assertThat(Files.readString(root.resolve("artifacts/agent-sandbox-approved-second/approval-2.json"))).contains("\"by\" : \"bob\"");
            }
            assertThat(root.resolve("pwned")).doesNotExist();
            assertThat(release.requests).as("each job took the release's jar").hasSizeGreaterThanOrEqualTo(3);
        }
    }

    /**
     * The end of a guide: the approved commit is the remote's main (pushed), or exactly the second parent
     * of the merge the forge stand-in made through its API (a pull or merge request), with every request
     * as the forge's API describes it.
     */
    static void landed(Path bareRemote, String head, boolean pushed, dev.agentsandbox.testing.ForgeStandIn forge, String mergePrefix,
                       String mergeSuffix) throws Exception {
        try (Git remote = Git.open(bareRemote.toFile())) {
            var landed = remote.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId();
            if (pushed) {
                assertThat(landed.name()).isEqualTo(head);
            } else {
                try (var rw = new org.eclipse.jgit.revwalk.RevWalk(remote.getRepository())) {
                    assertThat(rw.parseCommit(landed).getParent(1).name()).as("the forge merged exactly the approved commit").isEqualTo(head);
                }
                assertThat(forge.requests).anyMatch(r -> r.startsWith(mergePrefix) && r.endsWith(mergeSuffix));
            }
        }
        assertThat(forge.violations).as("every request as the forge's API describes it").isEmpty();
    }

    static void commit(RunnerUser user, Path repo, String change, String message) throws Exception {
        var r = user.exec(List.of("sh", "-c", change + " && git add -A && git -c user.name=Dev -c user.email=dev@example.invalid commit -q -m \""
                + message + "\" && git push -q origin main"), repo, Map.of());
        assertThat(r.exitCode()).as(r.out()).isZero();
    }

}
