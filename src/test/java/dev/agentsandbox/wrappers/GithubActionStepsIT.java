package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The action's own scripts, run as a GitHub runner would run them (GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_WORKSPACE, GITHUB_ACTOR) with the real jar, across the
 * three jobs of the example workflow: agent, approve (a fresh checkout and the artifact), merge.
 */
class GithubActionStepsIT {
    @TempDir
    Path tmp;

    record Step(int exitCode, String log) {
    }

    Step step(String script, Path workspace, Map<String, String> env, String... args) throws IOException, InterruptedException {
        var cmd = new java.util.ArrayList<String>();
        cmd.add("bash");
        cmd.add(Path.of("github-action/scripts/" + script).toAbsolutePath().toString());
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workspace.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("GITHUB_") || k.startsWith("INPUT_"));
        e.put("AGENT_SANDBOX_CLI", Path.of("bin/agent-sandbox").toAbsolutePath().toString());
        e.put("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));
        e.put("GITHUB_WORKSPACE", workspace.toString());
        e.putAll(env);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes());
        return new Step(p.waitFor(), log);
    }

    static Map<String, String> outputs(Path file) throws IOException {
        return outputsOrPairs(file);
    }

    /** A runner's command file (GITHUB_OUTPUT, GITHUB_ENV): NAME=value lines and NAME<<DELIMITER blocks, as the runner reads them. */
    static Map<String, String> outputsOrPairs(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        String[] lines = Files.readString(file).split("\n");
        for (int i = 0; i < lines.length; i++) {
            int at = lines[i].indexOf("<<");
            int eq = lines[i].indexOf('=');
            if (lines[i].isEmpty()) {
                continue;
            }
            if (eq >= 0 && (at < 0 || eq < at)) {
                out.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
                continue;
            }
            String name = lines[i].substring(0, at);
            String delim = lines[i].substring(at + 2);
            StringBuilder v = new StringBuilder();
            while (!lines[++i].equals(delim)) {
                v.append(v.length() == 0 ? "" : "\n").append(lines[i]);
            }
            out.put(name, v.toString());
        }
        return out;
    }

    @Test
    void agentApproveAndMergeJobsRunWithTheRunnersFileConventions() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path outputs = tmp.resolve("github_output");
        Path summary = tmp.resolve("step_summary.md");
        Path envFile = tmp.resolve("github_env");
        Path pwned = tmp.resolve("pwned");
        String hostileTask = "Add multiply \"quoted\" 'single' $(touch " + pwned + ") `touch " + pwned + "`\nsecond line ${HOME}";
        Map<String, String> env = new HashMap<>();
        env.put("GITHUB_OUTPUT", outputs.toString());
        env.put("GITHUB_STEP_SUMMARY", summary.toString());
        env.put("GITHUB_ENV", envFile.toString());
        env.put("INPUT_TASK", hostileTask);
        env.put("INPUT_IMAGE", TestHost.IMAGE);
        env.put("INPUT_COMMAND", "printf '%s' \"$AGENT_TASK\" > TASK.txt; printf '\\n\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py");
        env.put("INPUT_TIER", "gvisor");
        env.put("INPUT_PUSH", "origin");
        env.put("INPUT_BUNDLE", "agent-sandbox-run");
        env.put("GITHUB_ACTOR", "octocat"); // who started the workflow: the run's requester
        Path key = tmp.resolve("ci-signing");
        assertThat(dev.agentsandbox.testing.Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        env.put("INPUT_SIGNING_KEY_FILE", key + ".key");
        Step agent = step("run.sh", repo.dir, env);
        assertThat(agent.exitCode()).as(agent.log()).isZero();
        Map<String, String> out = outputs(outputs);
        assertThat(out.keySet()).contains("run-id", "branch", "head-commit", "verdict", "bundle", "sarif", "exit-code");
        assertThat(out.get("verdict")).isIn("pass", "warn");
        assertThat(out.get("branch")).startsWith("agent/add-multiply-quoted-single");
        assertThat(out.get("bundle")).isEqualTo(repo.dir.resolve("agent-sandbox-run").toString());
        assertThat(Files.readString(summary)).contains("## agent-sandbox:").contains("| gate | verdict |");
        assertThat(Files.readString(envFile)).isEqualTo("AGENT_SANDBOX_BUNDLE=" + out.get("bundle") + "\n");
        assertThat(pwned).as("the task text is data, never code").doesNotExist();

        // The approve job: a fresh checkout of the remote, the bundle downloaded as an artifact.
        Path checkout = tmp.resolve("approve-checkout");
        Git.cloneRepository().setURI(repo.remote.toUri().toString()).setDirectory(checkout.toFile()).call().close();
        Path artifact = tmp.resolve("artifact");
        copy(Path.of(out.get("bundle")), artifact);
        Step unpinned = step("decide.sh", checkout, Map.of("AGENT_SANDBOX_BUNDLE", artifact.toString(), "GITHUB_ACTOR", "octocat",
                "SIGNING_KEY_FILE", key + ".key"), "approve");
        assertThat(unpinned.exitCode()).as("without a pinned key the job refuses").isEqualTo(4);
        assertThat(unpinned.log()).contains("::error::agent-sandbox: set PUBLIC_KEY_FILE");
        // Who approved comes from the run's review history (a stand-in for the REST API on loopback),
        // not from GITHUB_ACTOR (who started the workflow: octocat, the run's requester).
        try (GithubApiStandIn api = new GithubApiStandIn()) {
            Map<String, String> job = new HashMap<>(Map.of("AGENT_SANDBOX_BUNDLE", artifact.toString(), "GITHUB_ACTOR", "octocat",
                    "PUBLIC_KEY_FILE", key + ".pub", "SIGNING_KEY_FILE", key + ".key", "GITHUB_API_URL", api.url(),
                    "GITHUB_TOKEN", "ghs_jobtoken", "GITHUB_REPOSITORY", "acme/calc", "GITHUB_RUN_ID", "4242"));
            api.approvals = "[]";
            Step none = step("decide.sh", checkout, job, "approve");
            assertThat(none.exitCode()).as(none.log()).isEqualTo(4);
            assertThat(none.log()).contains("cannot tell who approved: no one approved this run's deployment to the environment agent-approval");
            api.approvals = GithubApiStandIn.approval("octocat", "agent-approval", "approved", "lgtm");
            Step self = step("decide.sh", checkout, job, "approve");
            assertThat(self.exitCode()).as("the requester cannot approve their own run").isNotZero();
            assertThat(artifact.resolve("approval.json")).doesNotExist();
            api.approvals = "[" + String.join(",", GithubApiStandIn.approval("mallory", "staging", "approved", "other env").replaceAll("^\\[|]$", ""),
                    GithubApiStandIn.approval("eve", "agent-approval", "rejected", "no").replaceAll("^\\[|]$", ""),
                    GithubApiStandIn.approval("ann", "agent-approval", "approved", "ship it").replaceAll("^\\[|]$", "")) + "]";
            Step approve = step("decide.sh", checkout, job, "approve");
            assertThat(approve.exitCode()).as(approve.log()).isZero();
            String approval = Files.readString(artifact.resolve("approval.json"));
            assertThat(approval).contains("\"by\" : \"ann\"").contains("ship it");
            assertThat(api.requests).allSatisfy(r -> assertThat(r).isEqualTo("GET /repos/acme/calc/actions/runs/4242/approvals Bearer ghs_jobtoken"));
        }

        // The merge job: another fresh checkout; only the approved commit lands on origin/main.
        Path mergeCheckout = tmp.resolve("merge-checkout");
        Git.cloneRepository().setURI(repo.remote.toUri().toString()).setDirectory(mergeCheckout.toFile()).call().close();
        Step merge = step("merge.sh", mergeCheckout, Map.of("AGENT_SANDBOX_BUNDLE", artifact.toString(), "PUBLIC_KEY_FILE", key + ".pub",
                "SIGNING_KEY_FILE", key + ".key"));
        assertThat(merge.exitCode()).as(merge.log()).isZero();
        try (Git remote = Git.open(repo.remote.toFile())) {
            assertThat(remote.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId().name()).isEqualTo(out.get("head-commit"));
        }
    }

    @Test
    void aFailedGateFailsTheStepWithAnErrorAnnotation() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path outputs = tmp.resolve("github_output");
        Step agent = step("run.sh", repo.dir, Map.of("GITHUB_OUTPUT", outputs.toString(), "INPUT_TASK", "edit ci",
                "INPUT_IMAGE", TestHost.IMAGE, "INPUT_COMMAND", "echo '# x' >> .github/workflows/ci.yml"));
        assertThat(agent.exitCode()).isEqualTo(1);
        assertThat(agent.log()).contains("::error::agent-sandbox: the gates failed");
        assertThat(outputs(outputs).get("verdict")).isEqualTo("fail");
    }

    static void copy(Path from, Path to) throws IOException {
        dev.agentsandbox.testing.SignedRun.copyTree(from, to);
    }

}
