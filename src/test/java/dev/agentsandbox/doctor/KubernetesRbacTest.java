package dev.agentsandbox.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The shipped Role grants exactly what a run does (doctor's list): stop() deletes a run's pods as a
 * collection, which the Role lacked, so a spend cap could not stop the agent (403); and nothing the
 * code never uses (watch, update).
 */
class KubernetesRbacTest {
    @Test
    void theRoleGrantsWhatARunDoesAndNothingElse() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var p = new YAMLFactory().createParser(Path.of("docs/kubernetes/rbac.yaml").toFile())) {
            new ObjectMapper().readValues(p, JsonNode.class).forEachRemaining(docs::add);
        }
        JsonNode role = docs.stream().filter(d -> d.path("kind").asText().equals("Role") && d.at("/metadata/name").asText().equals("agent-sandbox"))
                .findFirst().orElseThrow();
        Set<String> granted = new HashSet<>();
        for (JsonNode rule : role.path("rules")) {
            for (JsonNode g : rule.path("apiGroups")) {
                for (JsonNode r : rule.path("resources")) {
                    for (JsonNode v : rule.path("verbs")) {
                        granted.add(v.asText() + " " + g.asText() + " " + r.asText());
                    }
                }
            }
        }
        Set<String> needed = new HashSet<>();
        for (String[] p : KubernetesDoctor.PERMISSIONS) {
            needed.add(p[0] + " " + p[1] + " " + p[2] + (p[3].isEmpty() ? "" : "/" + p[3]));
        }
        assertThat(granted).containsAll(needed).contains("deletecollection  pods");
        assertThat(granted).noneMatch(g -> g.startsWith("watch ") || g.startsWith("update "));
    }
}
