package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GitLab template's jobs, run by gitlab-ci-local (shell executor) with the real jar. */
class GitlabTemplateIT {
    static final Path TEMPLATE = Path.of("templates/agent-sandbox.yml");
    static final Path GCL = Path.of(System.getenv().getOrDefault("AGENT_SANDBOX_CACHE", "/var/cache/agent-sandbox"),
            "npm/node_modules/.bin/gitlab-ci-local");

    @TempDir
    Path tmp;

    @Test
    void theTemplateIsAComponentWhoseInputsAreAllDeclared() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var p = new YAMLFactory().createParser(TEMPLATE.toFile())) {
            new ObjectMapper().readValues(p, JsonNode.class).forEachRemaining(docs::add);
        }
        assertThat(docs).hasSize(2);
        Set<String> declared = new HashSet<>();
        docs.get(0).at("/spec/inputs").fieldNames().forEachRemaining(declared::add);
        Matcher m = Pattern.compile("\\$\\[\\[\\s*inputs\\.([a-z0-9-]+)\\s*]]").matcher(Files.readString(TEMPLATE));
        while (m.find()) {
            assertThat(declared).contains(m.group(1));
        }
        JsonNode jobs = docs.get(1);
        assertThat(jobs.at("/agent-sandbox:approve/rules/1/when").asText()).isEqualTo("manual");
        for (String job : new String[] {"run", "approve", "merge"}) {
            JsonNode rules = jobs.at("/agent-sandbox:" + job + "/rules");
            assertThat(rules.at("/0/if").asText()).as(job).isEqualTo("$CI_COMMIT_BRANCH =~ $[[ inputs.agent-branches ]]");
            assertThat(rules.at("/0/when").asText()).as(job).isEqualTo("never");
        }
        assertThat(jobs.at("/.agent-sandbox-merge/resource_group").asText()).as("one merge at a time").isNotBlank();
        for (String job : new String[] {"approve-second", "merge-second"}) {
            assertThat(jobs.at("/agent-sandbox:" + job + "/rules/0/when").asText()).as(job).isEqualTo("never");
        }
        assertThat(jobs.at("/agent-sandbox:approve-second/environment/name").asText()).isEqualTo("agent-approval-second");
        assertThat(jobs.at("/agent-sandbox:approve-second/allow_failure").asBoolean()).as("the pipeline does not wait for it").isTrue();
        assertThat(jobs.at("/agent-sandbox:approve/environment/name").asText()).isEqualTo("agent-approval");
        assertThat(jobs.at("/agent-sandbox:run/artifacts/reports/junit").asText()).endsWith("/reports/junit.xml");
        assertThat(jobs.at("/agent-sandbox:run/artifacts/reports/cyclonedx").asText()).endsWith("/reports/sbom.cdx.json");
        assertThat(jobs.at("/agent-sandbox:run/artifacts/reports/sast").asText()).endsWith("/reports/gl-sast-report.json");
        assertThat(jobs.at("/agent-sandbox:run/script/0").asText()).doesNotContain("$[[");
        // the task is data: GitLab must not expand $VARIABLES in it (a task naming a token would hand it over)
        assertThat(jobs.at("/agent-sandbox:run/variables/AGENT_SANDBOX_TASK/expand").asBoolean(true)).isFalse();
        assertThat(jobs.at("/agent-sandbox:run/allow_failure/exit_codes/0").asInt()).as("an idle agent is a warning").isEqualTo(5);
        assertThat(new YAMLMapper().readTree(Path.of("examples/.gitlab-ci.yml").toFile()).at("/include/0/inputs/task").asText()).isNotBlank();
        // the catalog resolves component NAME@VERSION to templates/NAME.yml at the project's root, released by a tag
        String include = new YAMLMapper().readTree(Path.of("examples/.gitlab-ci.yml").toFile()).at("/include/0/component").asText();
        assertThat(Path.of("templates/" + include.substring(include.lastIndexOf('/') + 1, include.indexOf('@')) + ".yml")).isRegularFile();
        assertThat(new YAMLMapper().readTree(Path.of(".gitlab-ci.yml").toFile()).at("/create-release/release/tag_name").asText())
                .isEqualTo("$CI_COMMIT_TAG");
    }

    @Test
    void runApproveAndMergeJobsPassUnderGitlabCiLocal() throws Exception {
        assertThat(GCL).as("scripts/setup-host.sh installs gitlab-ci-local").isExecutable();
        SampleRepo repo = SampleRepo.create(tmp);
        key = tmp.resolve("ci-signing");
        assertThat(dev.agentsandbox.testing.Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        // `expand: false` is checked statically in theTemplateIsAComponentWhoseInputsAreAllDeclared; here the plain form runs.
        Files.writeString(repo.dir.resolve("agent-sandbox.yml"), runnable(Files.readString(TEMPLATE)));
        Files.writeString(repo.dir.resolve(".gitlab-ci.yml"), """
                stages: [test, deploy]
                include:
                  - local: agent-sandbox.yml
                    inputs:
                      task: "Add multiply; $(touch %s) $AGENT_SANDBOX_GIT_TOKEN"
                      image: %s
                      command: "printf '%%s' \\"$AGENT_TASK\\" > TASK.txt; printf 'def multiply(a, b):\\\\n    return a * b\\\\n' >> calc.py"
                      cli: %s
                      public-key-file: %s
                """.formatted(tmp.resolve("pwned"), TestHost.IMAGE, Path.of("bin/agent-sandbox").toAbsolutePath(), key + ".pub"));
        try (Git g = Git.open(repo.dir.toFile())) {
            g.add().addFilepattern(".").call();
            g.commit().setMessage("ci").setAuthor("d", "d@x").setCommitter("d", "d@x").setSign(false).call();
            g.push().setRemote("origin").add("main").call();
        }
        user = "developer"; // who starts the pipeline may not approve its run
        String run = gcl(repo.dir, "agent-sandbox:run");
        user = "maintainer";
        assertThat(run).contains("PASS  agent-sandbox:run");
        assertThat(repo.dir.resolve("agent-sandbox-run/reports/junit.xml")).isNotEmptyFile();
        JsonNode sast = new ObjectMapper().readTree(repo.dir.resolve("agent-sandbox-run/reports/gl-sast-report.json").toFile());
        assertThat(sast.get("version").asText()).startsWith("15.");
        assertThat(sast.at("/scan/type").asText()).isEqualTo("sast");
        assertThat(sast.at("/scan/start_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d");
        String head = new ObjectMapper().readTree(repo.dir.resolve("agent-sandbox-run/run.json").toFile()).get("headCommit").asText();
        String rest = gcl(repo.dir, "--manual", "agent-sandbox:approve", "agent-sandbox:approve", "agent-sandbox:merge");
        assertThat(rest).contains("PASS  agent-sandbox:approve").contains("PASS  agent-sandbox:merge");
        assertThat(Files.readString(repo.dir.resolve("agent-sandbox-run/approval.json"))).contains("\"by\" : \"maintainer\"");
        try (Git remote = Git.open(repo.remote.toFile())) {
            assertThat(remote.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId().name()).isEqualTo(head);
        }
        assertThat(tmp.resolve("pwned")).doesNotExist();
        assertThat(repo.fileAt(head, "TASK.txt")).doesNotContain("glpat-never-in-a-task");
    }

    @Test
    void onlyTheChosenPipelinesRunTheAgentAndNeverOnItsOwnBranch() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Files.writeString(repo.dir.resolve("agent-sandbox.yml"), runnable(Files.readString(TEMPLATE)));
        Files.writeString(repo.dir.resolve(".gitlab-ci.yml"), """
                stages: [test, deploy]
                include:
                  - local: agent-sandbox.yml
                    inputs: { task: t, image: i, command: c, cli: /bin/false }
                """);
        try (Git g = Git.open(repo.dir.toFile())) {
            g.add().addFilepattern(".").call();
            g.commit().setMessage("ci").setAuthor("d", "d@x").setCommitter("d", "d@x").setSign(false).call();
        }
        assertThat(list(repo.dir, "web")).contains("agent-sandbox:run", "agent-sandbox:approve", "agent-sandbox:merge");
        assertThat(list(repo.dir, "push")).as("a push (the merge's own included) starts no agent").doesNotContain("agent-sandbox:");
        assertThat(list(repo.dir, "merge_request_event")).doesNotContain("agent-sandbox:");
        try (Git g = Git.open(repo.dir.toFile())) {
            g.checkout().setCreateBranch(true).setName("agent/add-multiply-20261202-000000-abcdef").call();
        }
        assertThat(list(repo.dir, "web")).as("the agent's own branch never runs the agent again").doesNotContain("agent-sandbox:");
    }

    String list(Path dir, String source) throws Exception {
        Process p = new ProcessBuilder(GCL.toString(), "--list", "--variable", "CI_PIPELINE_SOURCE=" + source)
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.substring(out.indexOf("name "));
    }

    /** gitlab-ci-local 4.60 (the last on Node 20) does not know `expand: false` on a variable; GitLab does. */
    static String runnable(String template) {
        return template.replace("    AGENT_SANDBOX_TASK:\n      value: $[[ inputs.task ]]\n      expand: false\n", "    AGENT_SANDBOX_TASK: $[[ inputs.task ]]\n");
    }

    Path key;
    String user = "maintainer";

    String gcl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GCL.toString(), "--shell-isolation=false", "--variable", "GITLAB_USER_LOGIN=" + user,
                "--variable", "AGENT_SANDBOX_SIGNING_KEY=" + key + ".key", "--variable", "AGENT_SANDBOX_GIT_TOKEN=glpat-never-in-a-task",
                "--variable", "CI_PIPELINE_SOURCE=web"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
