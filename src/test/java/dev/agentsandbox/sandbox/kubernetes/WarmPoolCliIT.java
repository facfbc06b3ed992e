package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.config.SandboxConfig;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.testing.Launcher;
import dev.agentsandbox.testing.SampleRepo;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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

/**
 * The warm-pool check through the real CLI: `run --backend kubernetes` in a child JVM, against
 * fabric8's mock API server, whose stand-in claim controller ({@link FakeKubelet}) hands over the
 * pod a hostile template makes. The pod passes every other check and carries one extra: a
 * postStart hook in the keeper, listed first, that rewrites the run's script. The run must refuse
 * it, name it, stream nothing in, and leave the base branch, the namespace and the claim as they were.
 */
@EnableKubernetesMockClient(crud = true)
class WarmPoolCliIT {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path tmp;

    @Test
    void aWarmPodThatRewritesTheRunsScriptIsRefusedBeforeAnythingGoesIn() throws Exception {
        FakeKubelet.serveClaims(server);
        gvisorRuntimeClass();
        SampleRepo repo = SampleRepo.create(tmp);
        repo.commitFile(".agent-sandbox.yml", "version: 1\nsandbox:\n  process-log: false\n", "run on Kubernetes");
        var base = repo.head("main");

        String image = "agent-sandbox/test-base:bookworm";
        KubernetesSettings settings = new KubernetesSettings("ci", "gvisor", "kata", 4L << 30, "IfNotPresent", Duration.ofMinutes(5), null, "pool");
        Pod hardened = PodSpecs.warm(image, Tier.GVISOR, dev.agentsandbox.sandbox.Limits.of(SandboxConfig.DEFAULT), settings);
        Pod hostile = new PodBuilder(hardened).editSpec().withContainers(
                new ContainerBuilder(hardened.getSpec().getContainers().get(1)).withLifecycle(new LifecycleBuilder().withNewPostStart()
                        .withNewExec().withCommand("sh", "-c", "echo 'exit 0' > /agent-sandbox/run.sh").endExec().endPostStart().build()).build(),
                hardened.getSpec().getContainers().get(0)).endSpec().build();
        assertThat(WarmPool.differences(hardened, hardened)).as("the hardened template itself passes").isEmpty();

        Path kubeconfig = Files.writeString(tmp.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                users: [{name: ci, user: {token: ci-token}}]
                contexts: [{name: ci, context: {cluster: mock, user: ci, namespace: ci}}]
                current-context: ci
                """.formatted(client.getMasterUrl()));
        try (FakeKubelet kubelet = new FakeKubelet(client, "ci", tmp.resolve("node"))) {
            kubelet.warmPod.set(hostile);
            Launcher.Result r = Launcher.run(Map.of("KUBECONFIG", kubeconfig.toString(), "HOME", tmp.toString(),
                            "AGENT_SANDBOX_K8S_NAMESPACE", "ci", "AGENT_SANDBOX_K8S_WARM_POOL", "pool", "AGENT_SANDBOX_OSV_URL", "http://127.0.0.1:9"),
                    List.of(), "run", "--repo", repo.dir.toString(), "--task", "edit", "--image", image, "--backend", "kubernetes",
                    "--command", "echo edited >> README.md", "--bundle", tmp.resolve("bundle").toString());

            assertThat(r.exit()).as(r.output()).isNotZero();
            assertThat(r.output()).contains("not the hardened pod this run needs")
                    .contains("spec.containers[keep].lifecycle.postStart.exec.command")
                    .contains("spec.containers are [keep, sandbox], not [sandbox, keep]")
                    .contains("nothing of the run went in");
            assertThat(kubelet.handedOver).as("the stand-in controller handed a pod over").hasSize(1);
        }
        assertThat(tmp.resolve("node")).as("nothing was streamed into the pod").doesNotExist();
        assertThat(repo.head("main")).isEqualTo(base);
        assertThat(client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace("ci").list().getItems()).as("the claim is released").isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").list().getItems()).isEmpty();
    }

    /** A check with services on the kubernetes backend is refused before any pod is made, saying what to do. */
    @Test
    void aCheckWithServicesIsRefusedOnKubernetesBeforeAnyPod() throws Exception {
        gvisorRuntimeClass();
        SampleRepo repo = SampleRepo.create(tmp);
        var base = repo.head("main");
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                sandbox: { process-log: false }
                checks:
                  tests:
                    command: "true"
                    services:
                      - { name: db, image: agent-sandbox/test-base:bookworm, command: "sleep 60", ports: [5432] }
                """);
        Path kubeconfig = Files.writeString(tmp.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                users: [{name: ci, user: {token: ci-token}}]
                contexts: [{name: ci, context: {cluster: mock, user: ci, namespace: ci}}]
                current-context: ci
                """.formatted(client.getMasterUrl()));
        int podsBefore = client.pods().inNamespace("ci").list().getItems().size(); // the class's other test may have left its warm pod
        Launcher.Result r = Launcher.run(Map.of("KUBECONFIG", kubeconfig.toString(), "HOME", tmp.toString(),
                        "AGENT_SANDBOX_K8S_NAMESPACE", "ci", "AGENT_SANDBOX_OSV_URL", "http://127.0.0.1:9"),
                List.of(), "run", "--repo", repo.dir.toString(), "--task", "edit", "--image", "agent-sandbox/test-base:bookworm",
                "--backend", "kubernetes", "--config", cfg.toString(), "--command", "echo edited >> README.md",
                "--bundle", tmp.resolve("bundle").toString());
        assertThat(r.exit()).as(r.output()).isNotIn(0, 1);
        assertThat(r.output()).contains("services run on the docker backend only").contains("run on the docker backend or drop");
        assertThat(client.pods().inNamespace("ci").list().getItems()).as("no pod was made").hasSize(podsBefore);
        assertThat(repo.head("main")).isEqualTo(base);
    }

    /** The cluster's gVisor RuntimeClass: the mock API server is the class's, so a test before may have made it. */
    private void gvisorRuntimeClass() {
        var classes = client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class);
        if (classes.withName("gvisor").get() == null) {
            classes.resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata().withHandler("runsc").build()).create();
        }
    }
}
