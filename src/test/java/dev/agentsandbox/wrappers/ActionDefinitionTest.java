package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** action.yml is a valid composite action whose inputs never reach a shell as code. */
class ActionDefinitionTest {
    static final Path ACTION = Path.of("github-action/action.yml");

    @Test
    void everyInputUsedIsDeclaredAndEveryOutputComesFromTheRunStep() throws Exception {
        JsonNode action = new YAMLMapper().readTree(ACTION.toFile());
        assertThat(action.path("name").asText()).isEqualTo("agent-sandbox");
        assertThat(action.path("description").asText()).isNotBlank();
        assertThat(action.at("/runs/using").asText()).isEqualTo("composite");
        Set<String> declared = new HashSet<>();
        action.path("inputs").fieldNames().forEachRemaining(declared::add);
        Matcher m = Pattern.compile("\\$\\{\\{\\s*inputs\\.([a-z0-9-]+)\\s*}}").matcher(Files.readString(ACTION));
        Set<String> used = new HashSet<>();
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(declared).containsAll(used);
        String script = Files.readString(Path.of("github-action/scripts/run.sh"));
        action.path("outputs").fields().forEachRemaining(o -> {
            assertThat(o.getValue().path("value").asText()).isEqualTo("${{ steps.run.outputs." + o.getKey() + " }}");
            assertThat(script).as("run.sh writes " + o.getKey()).contains("output " + o.getKey() + " ");
        });
        for (JsonNode step : action.at("/runs/steps")) {
            if (step.has("uses")) {
                assertThat(step.path("uses").asText()).as("actions used by the action are pinned by commit").matches(".*@[0-9a-f]{40}");
            } else {
                assertThat(step.path("shell").asText()).as("composite run steps name their shell").isEqualTo("bash");
            }
        }
    }

    @Test
    void everyOutputTheScriptsWriteIsDeclared() throws Exception {
        JsonNode action = new YAMLMapper().readTree(ACTION.toFile());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("output ([a-z-]+) ").matcher(java.nio.file.Files.readString(
                Path.of("github-action/scripts/run.sh")));
        while (m.find()) {
            assertThat(action.path("outputs").has(m.group(1))).as(m.group(1)).isTrue();
        }
    }

    @Test
    void noInputIsInterpolatedIntoAScriptBody() throws Exception {
        JsonNode action = new YAMLMapper().readTree(ACTION.toFile());
        for (JsonNode step : action.at("/runs/steps")) {
            assertThat(step.path("run").asText()).as("script injection: pass inputs through env").doesNotContain("${{");
        }
    }

    @Test
    void theExampleWorkflowGatesTheMergeOnAnApprovalEnvironment() throws Exception {
        JsonNode wf = new YAMLMapper().readTree(Path.of("examples/.github/workflows/agent-sandbox.yml").toFile());
        assertThat(wf.at("/jobs/approve/environment").asText()).isEqualTo("agent-approval");
        assertThat(wf.at("/jobs/approve/needs").toString()).contains("\"agent\"");
        assertThat(wf.at("/jobs/merge/needs").toString()).contains("\"approve\"");
        // the release's jar, its SHA-256 checked wherever it is used (jar.sh refuses a jar-url without it)
        assertThat(wf.at("/env/JAR_SHA256").asText()).isNotBlank();
        assertThat(wf.at("/jobs/agent/steps").toString()).contains("\"jar-url\":\"${{ env.JAR_URL }}\"")
                .contains("\"jar-sha256\":\"${{ env.JAR_SHA256 }}\"");
        for (String job : new String[] {"approve", "merge"}) {
            assertThat(wf.at("/jobs/" + job + "/steps").toString()).as(job).contains("github-action/scripts/jar.sh")
                    .contains("${{ env.JAR_SHA256 }}");
        }
        assertThat(wf.at("/permissions/contents").asText()).isEqualTo("read");
        // least privilege: only the merge job writes contents; the agent's job never
        assertThat(wf.at("/jobs/agent/permissions/contents").asText()).isEqualTo("read");
        assertThat(wf.at("/jobs/merge/permissions/contents").asText()).isEqualTo("write");
        // a workflow-level group keeps one pending run and cancels the older: a run waiting for approval would go
        assertThat(wf.path("concurrency").isMissingNode()).isTrue();
        JsonNode sarif = null;
        for (JsonNode step : wf.at("/jobs/agent/steps")) {
            if (step.path("uses").asText().startsWith("github/codeql-action/upload-sarif")) {
                sarif = step;
            }
        }
        assertThat(sarif.path("continue-on-error").asBoolean()).as("code scanning may be off: never fatal").isTrue();
        assertThat(sarif.at("/with/sha").asText()).as("alerts on the agent's commit").isEqualTo("${{ steps.agent.outputs.head-commit }}");
        for (var it = wf.path("jobs").fields(); it.hasNext(); ) {
            var job = it.next();
            assertThat(job.getValue().path("timeout-minutes").asInt()).as(job.getKey()).isPositive();
            for (JsonNode step : job.getValue().path("steps")) {
                assertThat(step.path("run").asText()).doesNotContain("${{ github.event");
                String uses = step.path("uses").asText();
                if (uses.startsWith("actions/") || uses.startsWith("github/")) {
                    assertThat(uses).as("pinned by commit").matches(".*@[0-9a-f]{40}");
                }
                if (uses.startsWith("actions/checkout")) {
                    assertThat(step.at("/with/persist-credentials").asBoolean(true)).as(job.getKey()).isFalse();
                }
            }
        }
    }
}
