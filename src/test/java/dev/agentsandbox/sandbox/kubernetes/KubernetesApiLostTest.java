package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API server goes away while the sandbox runs (its own mock server, since it is stopped). */
@EnableKubernetesMockClient(crud = true)
class KubernetesApiLostTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @Test
    void losingTheApiServerMidRunIsAnInfrastructureErrorSayingWhatIsLeft(@TempDir Path tmp) throws Exception {
        client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class).resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata().withHandler("runsc").build()).create();
        Path workspace = Files.createDirectories(tmp.resolve("ws"));
        // without retries, as KubernetesSandbox.newClient keeps them few: the loss is seen at once
        KubernetesClient fast = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(
                client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build();
        try (fast; FakeKubelet kubelet = new FakeKubelet(fast, "ci", tmp.resolve("node"))) {
            KubernetesSandbox sandbox = new KubernetesSandbox(fast, new KubernetesSettings("ci", "gvisor", "kata", 1 << 26, "IfNotPresent",
                    Duration.ofSeconds(3), null, null), kubelet);
            kubelet.behaviour.set(FakeKubelet.Behaviour.exits(ws -> server.destroy(), 0));
            SandboxSpec spec = new SandboxSpec("run-1", "agent", "agent:1", List.of("true"), "/workspace", Map.of(),
                    List.of(new Mount(workspace, "/workspace", false)), Tier.GVISOR, "runsc",
                    new Limits(1, 1 << 28, 64, 1 << 24, Duration.ofSeconds(20), 1 << 20), null);
            assertThatThrownBy(() -> sandbox.run(spec, OutputListener.NONE))
                    .isInstanceOf(InfrastructureException.class).hasMessageContaining("lost the Kubernetes API server")
                    .hasMessageContaining("nothing is committed");
            assertThat(sandbox.livePods()).isEmpty();
        }
    }
}
