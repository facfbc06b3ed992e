package dev.agentsandbox.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `agent-sandbox run` end to end: real repository, real gVisor sandbox, scripted agents. */
class RunPipelineIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    ObjectId mainBefore;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        mainBefore = repo.head("main");
    }

    void deleteBundle() throws java.io.IOException {
        try (var w = Files.walk(tmp.resolve("bundle"))) {
            for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    Cli run(String task, String agentScript) {
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", task, "--image", TestHost.IMAGE,
                "--command", agentScript, "--bundle", tmp.resolve("bundle").toString());
    }

    JsonNode runJson() throws Exception {
        return new ObjectMapper().readTree(tmp.resolve("bundle/run.json").toFile());
    }

    JsonNode gate(String name) throws Exception {
        for (JsonNode g : new ObjectMapper().readTree(tmp.resolve("bundle/gates.json").toFile())) {
            if (g.get("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name);
    }

    @Test
    void aCleanChangePassesAndLandsOnTheFeatureBranchOnly() throws Exception {
        Cli r = run("Add multiply to the calculator",
                "printf '\\n\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py && echo edited");
        assertThat(r.exitCode).as(r.toString()).isZero();
        JsonNode run = runJson();
        assertThat(run.get("verdict").asText()).isIn("pass", "warn");
        String branch = run.get("featureBranch").asText();
        assertThat(branch).startsWith("agent/add-multiply-to-the-calculator-");
        assertThat(repo.head("main")).isEqualTo(mainBefore);
        ObjectId head = repo.head(branch);
        assertThat(head.name()).isEqualTo(run.get("headCommit").asText());
        try (Git git = Git.open(repo.dir.toFile()); RevWalk rw = new RevWalk(git.getRepository())) {
            RevCommit c = rw.parseCommit(head);
            assertThat(c.getParent(0).getId()).isEqualTo(mainBefore);
            assertThat(c.getAuthorIdent().getName()).isEqualTo("Demo Agent");
            assertThat(c.getCommitterIdent().getName()).isEqualTo("agent-sandbox");
            assertThat(c.getFullMessage()).contains("Agent-Sandbox-Run: " + run.get("runId").asText());
            assertThat(git.status().call().isClean()).as("the user's checkout is untouched").isTrue();
        }
        assertThat(gate("tests").get("verdict").asText()).isEqualTo("pass");
        assertThat(gate("tests").get("details").get("tests").asInt()).isEqualTo(2);
        // The patch is git-compatible: `git apply --check` takes it on the base.
        Process p = new ProcessBuilder("git", "apply", "--check", tmp.resolve("bundle/change.patch").toString())
                .directory(repo.dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        // the agent's own sandbox showed, before the agent ran, that it held: no way out, no capabilities, gVisor's kernel
        String audit = java.nio.file.Files.readString(tmp.resolve("bundle/audit.jsonl"));
        assertThat(audit).contains("\"event\":\"boundary\"").contains("\"network\":\"loopback only\"")
                .contains("\"capabilities\":\"0000000000000000\"").contains("\"ownKernel\":true").contains("\"held\":true");
    }

    @Test
    void anEditToCiConfigurationFailsThePolicy() throws Exception {
        Cli r = run("speed up ci", "echo '      - run: echo skipped' >> .github/workflows/ci.yml");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(gate("policy").get("verdict").asText()).isEqualTo("fail");
        assertThat(gate("policy").get("findings").get(0).get("rule").asText()).isEqualTo("protected-path");
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void failingTestsFailTheTestGate() throws Exception {
        Cli r = run("break add", "sed -i 's/return a + b/return a - b/' calc.py");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        JsonNode tests = gate("tests");
        assertThat(tests.get("verdict").asText()).isEqualTo("fail");
        assertThat(tests.get("findings").toString()).contains("test_add");
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void aSymlinkOutOfTheWorkspaceIsRefusedAndNothingIsCommitted() throws Exception {
        Cli r = run("link", "ln -s ../../../../etc/passwd leak.txt; ln -s /etc/shadow abs.txt");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        JsonNode collect = gate("collect");
        assertThat(collect.get("verdict").asText()).isEqualTo("fail");
        assertThat(collect.get("findings").findValuesAsText("rule")).containsOnly("symlink-escape");
        assertThat(collect.get("findings").findValuesAsText("path")).containsExactlyInAnyOrder("leak.txt", "abs.txt");
        assertThat(runJson().get("headCommit").isNull()).isTrue();
        try (Git git = Git.open(repo.dir.toFile())) {
            assertThat(git.branchList().call()).extracting(ref -> ref.getName()).containsExactly("refs/heads/main");
        }
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void setuidFilesAndGitMetadataAreRefused() throws Exception {
        Cli r = run("odd files", "cp calc.py s.py && chmod 4755 s.py; mkdir -p .git/hooks && echo 'touch /tmp/pwned' > .git/hooks/post-commit");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        List<String> rules = gate("collect").get("findings").findValuesAsText("rule");
        assertThat(rules).contains("setuid", "git-metadata");
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void oddFileNamesAreCommittedExactly() throws Exception {
        // A control character in a name (a newline breaks every line-based review tool) is refused as git
        // refuses it on Windows; spaces, non-ASCII letters and long names are committed as they are.
        Cli refused = run("odd names", "printf 'y\\n' > \"$(printf 'new\\nline.txt')\"");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(1);
        assertThat(gate("collect").get("findings").findValuesAsText("rule")).contains("git-path");
        deleteBundle();
        Cli r = run("odd names", "printf 'x\\n' > 'with space.txt'; printf 'z\\n' > 'ünïcødé.txt';"
                + " printf 'w\\n' > \"$(printf '%0200d' 0).txt\"");
        assertThat(r.exitCode).as(r.toString()).isZero();
        String branch = runJson().get("featureBranch").asText();
        try (Git git = Git.open(repo.dir.toFile())) {
            var tw = org.eclipse.jgit.treewalk.TreeWalk.forPath(git.getRepository(), "with space.txt",
                    new RevWalk(git.getRepository()).parseCommit(repo.head(branch)).getTree());
            assertThat(tw).isNotNull();
            for (String name : List.of("ünïcødé.txt", "0".repeat(200) + ".txt")) {
                assertThat(org.eclipse.jgit.treewalk.TreeWalk.forPath(git.getRepository(), name,
                        new RevWalk(git.getRepository()).parseCommit(repo.head(branch)).getTree())).as(name).isNotNull();
            }
        }
        assertThat(Files.exists(Path.of("/tmp/pwned"))).isFalse();
    }

    @Test
    void aPlantedTokenFailsTheSecretsGateAndItsValueAppearsInNoOutput() throws Exception {
        String token = "ghp" + "_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4";
        Cli r = run("configure the client", "echo 'GH_TOKEN=" + token + "' > settings.env; echo \"planted " + token + "\"");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(gate("secrets").get("verdict").asText()).isEqualTo("fail");
        assertThat(gate("secrets").get("findings").get(0).get("rule").asText()).isEqualTo("github-token");
        assertThat(r.all()).doesNotContain(token).contains("[REDACTED:github-token]");
        dev.agentsandbox.testing.Bundles.assertNowhere(tmp.resolve("bundle"), token);
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void aNewDependencyAppearsInTheDeltaAndEveryReportIsWritten() throws Exception {
        Cli r = run("add a dependency", "echo 'left-pad==1.3.0' >> requirements.txt");
        assertThat(r.exitCode).as(r.toString()).isZero();
        JsonNode deps = gate("dependencies");
        assertThat(deps.get("verdict").asText()).isEqualTo("warn");
        assertThat(deps.get("findings").get(0).get("message").asText()).contains("pypi:left-pad");
        Path reports = tmp.resolve("bundle/reports");
        for (String f : List.of("results.sarif", "junit.xml", "sbom.cdx.json", "summary.md", "review.html")) {
            assertThat(reports.resolve(f)).as(f).isNotEmptyFile();
        }
        JsonNode bom = new ObjectMapper().readTree(reports.resolve("sbom.cdx.json").toFile());
        assertThat(bom.get("components").findValuesAsText("purl")).contains("pkg:pypi/left-pad@1.3.0", "pkg:pypi/requests@2.32.3");
        assertThat(Files.readString(reports.resolve("summary.md"))).contains("left-pad").contains("awaiting approval");
        assertThat(Files.readString(reports.resolve("review.html"))).contains("left-pad").contains("+left-pad==1.3.0");
        assertThat(Cli.run("verify", "--run", tmp.resolve("bundle").toString()).exitCode).isZero();
    }
}
