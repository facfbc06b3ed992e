package dev.agentsandbox.ci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI jobs check out a commit, not a branch: run, approve and merge work from such a checkout, with the
 * branch named by the CI's variables (GitLab, GitHub, Jenkins) or by a remote-tracking ref.
 */
class DetachedCheckoutIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    Path ci;
    Path key;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        ci = tmp.resolve("ci-checkout");
        try (Git g = Git.cloneRepository().setURI(repo.remote.toUri().toString()).setDirectory(ci.toFile()).call()) {
            ObjectId head = g.getRepository().resolve("HEAD");
            g.checkout().setName(head.name()).call(); // detached, as CI does
            g.branchDelete().setBranchNames("main").setForce(true).call();
        }
        key = tmp.resolve("ci-key");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
    }

    /** The launcher in a child process with the CI's variables. */
    String runAsCi(Map<String, String> env, String bundle) throws Exception {
        var r = dev.agentsandbox.testing.Launcher.run(env, List.of(), "run", "--repo", ci.toString(), "--task", "add multiply",
                "--image", TestHost.IMAGE, "--command", "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py",
                "--bundle", tmp.resolve(bundle).toString(), "--signing-key", key + ".key", "--push", "origin", "--quiet");
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output();
    }

    @Test
    void aGitlabStyleDetachedCheckoutRunsApprovesAndMerges() throws Exception {
        runAsCi(Map.of("CI_COMMIT_BRANCH", "main", "CI_COMMIT_REF_NAME", "main"), "bundle");
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("bundle/run.json").toFile());
        assertThat(run.get("baseBranch").asText()).isEqualTo("main");
        Path bundle = tmp.resolve("bundle");
        assertThat(Cli.run("approve", "--run", bundle.toString(), "--by", "maintainer", "--key", key + ".pub", "--signing-key", key + ".key")
                .exitCode).isZero();
        Cli m = Cli.run("merge", "--run", bundle.toString(), "--repo", ci.toString(), "--remote", "origin", "--key", key + ".pub",
                "--signing-key", key + ".key");
        assertThat(m.exitCode).as(m.toString()).isZero();
        try (Git remote = Git.open(repo.remote.toFile())) {
            assertThat(remote.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId().name()).isEqualTo(run.get("headCommit").asText());
        }
    }

    @Test
    void githubAndJenkinsVariablesNameTheBranchToo() throws Exception {
        for (var env : List.of(Map.of("GITHUB_REF", "refs/heads/main", "GITHUB_REF_NAME", "main"), Map.of("GIT_BRANCH", "origin/main"))) {
            String name = "bundle-" + env.keySet().iterator().next();
            runAsCi(env, name);
            assertThat(new ObjectMapper().readTree(tmp.resolve(name + "/run.json").toFile()).get("baseBranch").asText()).as(env.toString())
                    .isEqualTo("main");
        }
    }

    @Test
    void baseNamesARemoteTrackingBranchWhenNoLocalOneExists() throws Exception {
        Cli r = Cli.run("run", "--repo", ci.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x > x.txt",
                "--bundle", tmp.resolve("b").toString(), "--base", "main", "--quiet");
        assertThat(r.exitCode).as(r.toString()).isZero();
        Cli missing = Cli.run("run", "--repo", ci.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--bundle", tmp.resolve("b2").toString(), "--base", "nope");
        assertThat(missing.exitCode).isEqualTo(2);
        assertThat(missing.err).contains("no local branch, no remote-tracking branch");
    }
}
