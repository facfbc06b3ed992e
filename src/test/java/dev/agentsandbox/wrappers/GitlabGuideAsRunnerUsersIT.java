package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.testing.RunnerUser;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's GitLab guide as the users shell runners really are, under gitlab-ci-local: the
 * example .gitlab-ci.yml's include with the component (templates/agent-sandbox.yml) and its inputs;
 * the private key as a File-type variable (GitLab writes it to {@code <build>.tmp/NAME}, no
 * {@code .pub} beside it, no {@code .key} ending); the CLI installed on the runner from the release
 * by scripts/install-cli.sh (its SHA-256 checked, the launcher on the PATH through a link). A gitlab-runner without sudo gets the documented refusal, and
 * lands the commit once the repository's configuration turns the two controls off.
 * Replaced, and said so: the component's address (a local include of the same file), the agent's
 * image and command (a scripted edit in the test image, no model).
 */
class GitlabGuideAsRunnerUsersIT {
    Path root;
    ReleaseServer release;

    @AfterEach
    void remove() throws Exception {
        if (release != null) {
            release.close();
        }
        if (forge != null) {
            forge.close();
        }
        if (root != null) {
            RunnerUser.remove(root);
        }
    }

    @ParameterizedTest
    @EnumSource(RunnerUser.class)
    void theGuideEndsWithTheAgentsCommitOnTheRemoteOrTheDocumentedRefusal(RunnerUser user) throws Exception {
        followTheGuide(user, "push");
    }

    /** Delivery as a merge request (protected branches): opened by agent-sandbox:deliver, merged through GitLab's API. */
    @org.junit.jupiter.api.Test
    void withMergeRequestDeliveryTheApprovedCommitLandsThroughTheForge() throws Exception {
        followTheGuide(RunnerUser.LIMITED_SUDO, "merge-request");
    }

    dev.agentsandbox.testing.ForgeStandIn forge;

    void followTheGuide(RunnerUser user, String delivery) throws Exception {
        user.requirePresent();
        assertThat(GitlabTemplateIT.GCL).as("scripts/setup-host.sh installs gitlab-ci-local").isExecutable();
        root = user.newFolder("guide-gitlab");
        SampleRepo repo = SampleRepo.create(root);
        user.own(root);
        release = new ReleaseServer(root.resolve("release"));
        // 4. The runner: the CLI installed from the release, its SHA-256 checked, on the runner user's PATH.
        var install = user.exec(List.of("bash", Path.of("scripts/install-cli.sh").toAbsolutePath().toString()), root,
                Map.of("AGENT_SANDBOX_VERSION", ReleaseServer.VERSION, "AGENT_SANDBOX_JAR_SHA256", release.sha256,
                        "AGENT_SANDBOX_RELEASES", release.releases(), "PREFIX", root.resolve("prefix").toString()));
        assertThat(install.exitCode()).as(install.out()).isZero();
        Path bin = root.resolve("prefix/bin");

        // 1. Keys: the public key committed, the private key a File-type variable.
        Path dev = Files.createDirectories(root.resolve("developer"));
        user.own(dev);
        var keygen = user.exec(List.of(bin.resolve("agent-sandbox").toString(), "keygen", "--out", "signing"), dev, Map.of());
        assertThat(keygen.exitCode()).as(keygen.out()).isZero();
        Path fileVariables = Files.createDirectories(root.resolve("repo.tmp"));
        Path keyVariable = fileVariables.resolve("AGENT_SANDBOX_SIGNING_KEY");
        Files.copy(dev.resolve("signing.key"), keyVariable);
        user.own(fileVariables);

        // 5. The example's include, with the component as a local file and a scripted agent.
        ObjectNode example = (ObjectNode) new YAMLMapper().readTree(Path.of("examples/.gitlab-ci.yml").toFile());
        ObjectNode include = (ObjectNode) example.at("/include/0");
        include.remove("component");
        include.put("local", "agent-sandbox.yml");
        // As root, the agent adds a shared library: a high-risk change, which needs a second person.
        boolean high = user == RunnerUser.ROOT;
        ((ObjectNode) include.path("inputs")).put("delivery", delivery);
        forge = new dev.agentsandbox.testing.ForgeStandIn(repo.remote);
        ((ObjectNode) include.path("inputs")).put("image", TestHost.IMAGE)
                .put("command", high ? "mkdir -p lib && printf 'def multiply(a, b):\\n    return a * b\\n' > lib/mul.py"
                        : "printf '\\n\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py");
        Files.writeString(repo.dir.resolve("agent-sandbox.yml"), GitlabTemplateIT.runnable(Files.readString(GitlabTemplateIT.TEMPLATE)));
        Files.writeString(repo.dir.resolve(".gitlab-ci.yml"), new YAMLMapper().writeValueAsString(example));
        user.own(repo.dir);
        GithubGuideAsRunnerUsersIT.commit(user, repo.dir, "mkdir -p .agent-sandbox && cp " + dev.resolve("signing.pub")
                + " .agent-sandbox/signing.pub", "pin the signing key; the pipeline");

        String run = gcl(user, repo.dir, keyVariable, "developer", "agent-sandbox:run");
        if (user == RunnerUser.NO_SUDO) {
            assertThat(run).contains("FAIL  agent-sandbox:run").contains("this host cannot give 2 controls the run asks for")
                    .contains("sandbox: {disk: unlimited, process-log: false}");
            // the developer changes the configuration in their own clone; the runner's next pipeline fetches and cleans its build folder
            Path clone = root.resolve("developer-clone");
            assertThat(user.exec(List.of("git", "clone", "-q", repo.remote.toString(), clone.toString()), root, Map.of()).exitCode()).isZero();
            GithubGuideAsRunnerUsersIT.commit(user, clone, "sed -i 's/^sandbox:$/sandbox:\\n  disk: unlimited\\n  process-log: false/'"
                    + " .agent-sandbox.yml", "run without the disk quota and the process log on this runner");
            var fetch = user.exec(List.of("sh", "-c", "git fetch -q origin && git reset -q --hard origin/main && git clean -q -ffdx"), repo.dir, Map.of());
            assertThat(fetch.exitCode()).as(fetch.out()).isZero();
            run = gcl(user, repo.dir, keyVariable, "developer", "agent-sandbox:run");
        }
        assertThat(run).contains("PASS  agent-sandbox:run");
        String head = new YAMLMapper().readTree(repo.dir.resolve("agent-sandbox-run/run.json").toFile()).get("headCommit").asText();
        if (delivery.equals("merge-request")) {
            String opened = gcl(user, repo.dir, keyVariable, "developer", "agent-sandbox:deliver");
            assertThat(opened).contains("PASS  agent-sandbox:deliver").contains("opened merge request 1");
        }
        String rest = gcl(user, repo.dir, keyVariable, "maintainer", "--manual", "agent-sandbox:approve", "agent-sandbox:approve", "agent-sandbox:merge");
        assertThat(rest).contains("PASS  agent-sandbox:approve").contains("PASS  agent-sandbox:merge");
        if (high) {
            assertThat(rest).contains("not merged: the run needs another approval");
            String second = gcl(user, repo.dir, keyVariable, "lead", "--manual", "agent-sandbox:approve-second", "agent-sandbox:approve-second",
                    "agent-sandbox:merge-second");
            assertThat(second).contains("PASS  agent-sandbox:approve-second").contains("PASS  agent-sandbox:merge-second")
                    .contains("2 of 2 approval(s)");
        }
        GithubGuideAsRunnerUsersIT.landed(repo.remote, head, delivery.equals("push"), forge, "PUT /api/v4/projects/", "/merge_requests/1/merge");
    }

    String gcl(RunnerUser user, Path dir, Path keyVariable, String login, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GitlabTemplateIT.GCL.toString(), "--shell-isolation=false",
                "--variable", "GITLAB_USER_LOGIN=" + login, "--variable", "AGENT_SANDBOX_SIGNING_KEY=" + keyVariable,
                "--variable", "ANTHROPIC_API_KEY=sk-ant-test-never-in-the-sandbox",
                "--variable", "AGENT_SANDBOX_GIT_TOKEN=glpat-never-in-a-task", "--variable", "CI_PIPELINE_SOURCE=web",
                // the project's API and path, as GitLab gives them (a stand-in on loopback); the token that may open and merge requests
                "--variable", "CI_API_V4_URL=" + forge.url() + "/api/v4", "--variable", "CI_PROJECT_PATH=" + root.getFileName() + "/remote",
                "--variable", "AGENT_SANDBOX_FORGE_TOKEN=glpat-forge-token"));
        cmd.addAll(List.of(args));
        var env = new java.util.HashMap<String, String>();
        env.put("PATH", root.resolve("prefix/bin") + ":" + user.baseEnvironment().get("PATH"));
        var r = user.exec(cmd, dir, env);
        return r.out();
    }
}
