package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The platform team's placement settings reach every sandbox pod; a malformed one is named. */
class PlacementTest {
    @Test
    void nodeSelectorTolerationsPriorityAndPullSecretsAreOnThePod() {
        KubernetesSettings s = KubernetesSettings.fromEnvironment(Map.of("AGENT_SANDBOX_K8S_NAMESPACE", "sbx",
                "AGENT_SANDBOX_K8S_NODE_SELECTOR", "sandbox.gke.io/runtime=gvisor, pool=agents",
                "AGENT_SANDBOX_K8S_TOLERATIONS", "sandbox.gke.io/runtime=gvisor:NoSchedule,dedicated:NoExecute",
                "AGENT_SANDBOX_K8S_PRIORITY_CLASS", "ci-low", "AGENT_SANDBOX_K8S_IMAGE_PULL_SECRETS", "registry-a, registry-b"), "/nonexistent", 1 << 20);
        var pod = PodSpecs.warm("agent:1", dev.agentsandbox.config.Tier.GVISOR,
                new dev.agentsandbox.sandbox.Limits(1, 1 << 28, 64, 1 << 20, java.time.Duration.ofMinutes(1), 1 << 20), s).getSpec();
        assertThat(pod.getNodeSelector()).containsEntry("sandbox.gke.io/runtime", "gvisor").containsEntry("pool", "agents");
        assertThat(pod.getTolerations()).hasSize(2);
        assertThat(pod.getTolerations().get(0).getOperator()).isEqualTo("Equal");
        assertThat(pod.getTolerations().get(1).getOperator()).isEqualTo("Exists");
        assertThat(pod.getTolerations().get(1).getEffect()).isEqualTo("NoExecute");
        assertThat(pod.getPriorityClassName()).isEqualTo("ci-low");
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("registry-a", "registry-b");
    }

    @Test
    void malformedSettingsAreNamed() {
        assertThatThrownBy(() -> Placement.fromEnvironment(Map.of("AGENT_SANDBOX_K8S_TOLERATIONS", "gvisor")))
                .hasMessageContaining("AGENT_SANDBOX_K8S_TOLERATIONS: 'gvisor' is not a taint");
        assertThatThrownBy(() -> Placement.fromEnvironment(Map.of("AGENT_SANDBOX_K8S_NODE_SELECTOR", "x")))
                .hasMessageContaining("is not key=value");
        assertThat(Placement.fromEnvironment(Map.of())).isEqualTo(Placement.NONE);
    }
}
