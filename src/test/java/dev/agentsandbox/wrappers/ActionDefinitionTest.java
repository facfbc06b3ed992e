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
            assertThat(step.path("shell").asText()).as("composite run steps name their shell").isEqualTo("bash");
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
        assertThat(wf.at("/jobs/approve/needs").asText()).isEqualTo("agent");
        assertThat(wf.at("/jobs/merge/needs").asText()).isEqualTo("approve");
        assertThat(wf.at("/permissions/contents").asText()).isEqualTo("read");
        for (JsonNode job : wf.path("jobs")) {
            for (JsonNode step : job.path("steps")) {
                assertThat(step.path("run").asText()).doesNotContain("${{ github.event");
            }
        }
    }
}
