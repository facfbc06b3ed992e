package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes backend against fabric8's mock API server in CRUD mode (the pod spec as the API
 * stores it, the lifecycle, cleanup, the failure paths), with {@link FakeKubelet} moving pods
 * through their phases and standing in for exec. No API server or node runs here: the backend's
 * end-to-end run on a real kind cluster with gVisor is .github/workflows/kubernetes.yml.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesSandboxTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path tmp;
    private FakeKubelet kubelet;
    private KubernetesSandbox sandbox;
    private Path workspace;

    @BeforeEach
    void setUp() throws Exception {
        client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class).resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata().withHandler("runsc").build())
                .createOr(r -> r.update());
        kubelet = new FakeKubelet(client, "ci", tmp.resolve("node"));
        sandbox = sandbox(Duration.ofSeconds(30)); // generous: a busy CI machine may be slow to move a pod on
        workspace = Files.createDirectories(tmp.resolve("ws"));
        Files.writeString(workspace.resolve("calc.py"), "def add(a, b):\n    return a + b\n");
        Files.createDirectories(workspace.resolve("src/pkg"));
        Files.writeString(workspace.resolve("src/pkg/mod.py"), "x = 1\n");
    }

    @AfterEach
    void tearDown() {
        kubelet.close();
        // one mock server for the class: each test starts from an empty namespace
        for (Pod p : client.pods().inNamespace("ci").list().getItems()) {
            client.pods().inNamespace("ci").withName(p.getMetadata().getName()).delete();
        }
        for (var np : client.network().v1().networkPolicies().inNamespace("ci").list().getItems()) {
            client.network().v1().networkPolicies().inNamespace("ci").withName(np.getMetadata().getName()).delete();
        }
    }

    private KubernetesSandbox sandbox(Duration scheduleTimeout) {
        return new KubernetesSandbox(client, new KubernetesSettings("ci", "gvisor", "kata", 64L * 1024 * 1024, "IfNotPresent", scheduleTimeout, null, null),
                kubelet);
    }

    private SandboxSpec spec(Tier tier, Duration timeout) {
        return new SandboxSpec("run-1", "agent", "agent:1", List.of("sh", "-c", "do-it"), "/workspace", Map.of("AGENT_TASK", "x"),
                List.of(new Mount(workspace, "/workspace", false)), tier, tier == Tier.CONTAINER ? "runc" : tier == Tier.GVISOR ? "runsc" : "kata",
                new Limits(1.5, 512L * 1024 * 1024, 256, 32L * 1024 * 1024, timeout, 1024 * 1024), null);
    }

    /**
     * A real kubelet adds the API server's service variables to every container, and the image has
     * its own: the run declares both (envNames), read in the loader before the command runs, so the
     * boundary probe passes on them. What admission added to the stored pod is not declared.
     */
    @Test
    void theImagesAndTheKubeletsVariablesAreDeclaredAndWhatAdmissionAddedIsNot() throws Exception {
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(r.containerConfig().get("envNames")).asList().contains("KUBERNETES_SERVICE_HOST", "KUBERNETES_PORT_443_TCP_ADDR",
                "LANG", "PYTHON_VERSION", "AGENT_TASK");
        assertThat(r.containerConfig()).doesNotContainKey("envAddedByAdmission");
        kubelet.admissionEnv.put("AWS_ROLE_ARN", "arn:aws:iam::1:role/ci");
        kubelet.admissionEnv.put("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
        SandboxResult injected = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(injected.containerConfig().get("envNames")).asList().contains("LANG").doesNotContain("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE");
        assertThat(injected.containerConfig().get("envAddedByAdmission")).asList().containsExactlyInAnyOrder("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE");
    }

    /**
     * The pod's emptyDir sizeLimit is this backend's disk quota; the kubelet enforces it by eviction
     * (periodically, not as ENOSPC). That is reported as going over the quota, not as a failure to
     * move the sandbox's folders.
     */
    @Test
    void anEvictionForTheDiskIsTheQuotaNotALostTransfer() throws Exception {
        kubelet.evictWith.set("Usage of EmptyDir volume \"ws0\" exceeds the limit \"64Mi\". ");
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.containerConfig().get(SandboxResult.OVER_DISK_QUOTA)).asString().contains("64 MiB")
                .contains("evicted: Usage of EmptyDir volume \"ws0\" exceeds the limit");
    }

    /**
     * Network absence is shown from inside the pod before its command runs: a pod that sees only
     * loopback runs; one with eth0 (a runc pod, a runsc with a network) is refused, unless the
     * platform names what enforces egress and a connection from inside fails. The command never ran
     * when refused.
     */
    @Test
    void aPodWithANetworkIsRefusedBeforeItsCommandUnlessEgressIsShownHeld() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
        kubelet.behaviour.set(FakeKubelet.Behaviour.exits(ws -> ran.set(true), 0));
        SandboxResult held = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(held.containerConfig().get("network")).isEqualTo("loopback only");
        ran.set(false);
        kubelet.podInterfaces.add("eth0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE))
                .hasMessageContaining("network interfaces (eth0)").hasMessageContaining("AGENT_SANDBOX_K8S_EGRESS_ENFORCED_BY");
        assertThat(ran).as("the command never ran").isFalse();
        KubernetesSandbox enforced = new KubernetesSandbox(client, new KubernetesSettings("ci", "gvisor", "kata", 64L * 1024 * 1024, "IfNotPresent",
                Duration.ofSeconds(30), null, null, "cilium"), kubelet);
        kubelet.egressReaches.set("10.96.0.1:443");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> enforced.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE))
                .hasMessageContaining("reached 10.96.0.1:443 from inside").hasMessageContaining("egress is open");
        assertThat(ran).isFalse();
        kubelet.egressReaches.set(null);
        SandboxResult tested = enforced.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(tested.containerConfig().get("network")).isEqualTo("eth0, egress held (cilium, tested from inside)");
        assertThat(ran).isTrue();
    }

    /** A ResourceQuota's refusal is an answer from the API server, said as such, not "lost the API server". */
    @Test
    void aQuotaRefusalIsNamedAsARefusal() {
        server.expect().post().withPath("/api/v1/namespaces/ci/pods").andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withStatus("Failure").withReason("Forbidden").withCode(403)
                .withMessage("pods \"x\" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi")
                .build()).once();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE))
                .hasMessageContaining("the Kubernetes API refused the sandbox (403)").hasMessageContaining("exceeded quota: compute")
                .hasMessageContaining("ResourceQuota").hasMessageNotContaining("lost the Kubernetes API server");
    }

    @Test
    void thePodIsHardenedAsTheDockerBackendsContainersAreAndShutOffByAPolicy() throws Exception {
        AtomicReference<Pod> seen = new AtomicReference<>();
        AtomicReference<Object> policy = new AtomicReference<>();
        kubelet.behaviour.set(FakeKubelet.Behaviour.exits(ws -> {
            Pod p = client.pods().inNamespace("ci").withLabel(Labels.RUN, "run-1").list().getItems().get(0);
            seen.set(p);
            policy.set(client.network().v1().networkPolicies().inNamespace("ci").withName(p.getMetadata().getName()).get());
        }, 0));
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(r.succeeded()).isTrue();
        Pod p = seen.get();
        var s = p.getSpec();
        assertThat(s.getRuntimeClassName()).isEqualTo("gvisor");
        assertThat(s.getAutomountServiceAccountToken()).isFalse();
        assertThat(s.getEnableServiceLinks()).isFalse();
        assertThat(s.getHostNetwork()).isFalse();
        assertThat(s.getHostPID()).isFalse();
        assertThat(s.getHostIPC()).isFalse();
        assertThat(s.getRestartPolicy()).isEqualTo("Never");
        assertThat(s.getActiveDeadlineSeconds()).isEqualTo(20 + PodSpecs.DEADLINE_SLACK_SECONDS);
        assertThat(s.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(s.getSecurityContext().getRunAsUser()).isEqualTo(65534L);
        assertThat(s.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        List<Container> all = new ArrayList<>(s.getContainers());
        all.addAll(s.getInitContainers());
        assertThat(all).extracting(Container::getName).containsExactlyInAnyOrder("sandbox", "keep", "load");
        for (Container c : all) {
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
            assertThat(c.getSecurityContext().getPrivileged()).as(c.getName()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
            assertThat(c.getSecurityContext().getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
            assertThat(c.getResources().getLimits()).as(c.getName()).containsKeys("cpu", "memory", "ephemeral-storage");
            assertThat(c.getResources().getRequests()).isEqualTo(c.getResources().getLimits());
        }
        Container main = s.getContainers().stream().filter(c -> c.getName().equals("sandbox")).findFirst().orElseThrow();
        assertThat(main.getResources().getLimits().get("cpu").toString()).isEqualTo("1500m");
        assertThat(main.getResources().getLimits().get("memory").toString()).isEqualTo(Long.toString(512L * 1024 * 1024));
        assertThat(main.getCommand()).containsExactly("sh", "-c", "do-it");
        assertThat(main.getEnv()).extracting(e -> e.getName()).containsExactly("AGENT_TASK");
        assertThat(main.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/workspace");
            assertThat(m.getReadOnly()).isFalse();
        });
        assertThat(s.getVolumes()).allSatisfy(v -> assertThat(v.getEmptyDir()).as(v.getName() + " is an emptyDir, never a host path").isNotNull());
        assertThat(s.getVolumes()).filteredOn(v -> v.getName().equals("tmp")).singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir().getMedium()).isEqualTo("Memory"));
        var np = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) policy.get();
        assertThat(np).as("the deny-all policy exists while the pod runs").isNotNull();
        assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(np.getSpec().getIngress()).isNullOrEmpty();
        assertThat(np.getSpec().getEgress()).isNullOrEmpty();
        assertThat(np.getSpec().getPodSelector().getMatchLabels()).containsEntry(PodSpecs.SANDBOX_LABEL, p.getMetadata().getName());
        assertThat(np.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getName()).isEqualTo(p.getMetadata().getName()));
        // gone on the way out
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").list().getItems()).isEmpty();
        assertThat(sandbox.livePods()).isEmpty();
    }

    @Test
    void theWorkspaceGoesInAndTheCommandsChangeComesBackWithoutASharedDisk() throws Exception {
        kubelet.behaviour.set(FakeKubelet.Behaviour.exits(ws -> {
            try {
                assertThat(ws.resolve("src/pkg/mod.py")).hasContent("x = 1\n");
                Files.writeString(ws.resolve("calc.py"), "def mul(a, b):\n    return a * b\n");
                Files.delete(ws.resolve("src/pkg/mod.py"));
                Files.writeString(ws.resolve("new.sh"), "echo hi\n");
                ws.resolve("new.sh").toFile().setExecutable(true);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, 3));
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.EXITED);
        assertThat(r.imageId()).startsWith("sha256:");
        assertThat(workspace.resolve("calc.py")).hasContent("def mul(a, b):\n    return a * b\n");
        assertThat(workspace.resolve("src/pkg/mod.py")).doesNotExist();
        assertThat(Files.isExecutable(workspace.resolve("new.sh"))).isTrue();
    }

    @Test
    void aClusterWithoutTheRuntimeClassIsRefusedBeforeAnyPodIsMade() {
        assertThatThrownBy(() -> sandbox.run(spec(Tier.MICROVM, Duration.ofSeconds(5)), OutputListener.NONE))
                .isInstanceOf(InfrastructureException.class).hasMessageContaining("no RuntimeClass 'kata'")
                .hasMessageContaining("never runs with less isolation");
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void aPodThatIsNeverScheduledFailsWithTheSchedulersReasonAndIsRemoved() {
        kubelet.behaviour.set(new FakeKubelet.Behaviour(FakeKubelet.Start.UNSCHEDULABLE, ws -> { }, 0, false, null));
        KubernetesSandbox sandbox = sandbox(Duration.ofSeconds(2));
        assertThatThrownBy(() -> sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(5)), OutputListener.NONE))
                .isInstanceOf(InfrastructureException.class).hasMessageContaining("never scheduled: Unschedulable")
                .hasMessageContaining("didn't match Pod's node affinity");
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void anImageThatCannotBePulledFailsAtOnceNamingIt() {
        kubelet.behaviour.set(new FakeKubelet.Behaviour(FakeKubelet.Start.IMAGE_PULL_ERROR, ws -> { }, 0, false, null));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(5)), OutputListener.NONE))
                .isInstanceOf(InfrastructureException.class).hasMessageContaining("ErrImagePull").hasMessageContaining("pull access denied");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void aCommandPastItsTimeoutIsEndedAndNothingComesBack() throws Exception {
        kubelet.behaviour.set(new FakeKubelet.Behaviour(FakeKubelet.Start.RUNS, ws -> {
            try {
                Files.writeString(ws.resolve("calc.py"), "late\n");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, 0, true, null));
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(1)), OutputListener.NONE);
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.TIMED_OUT);
        assertThat(workspace.resolve("calc.py")).hasContent("def add(a, b):\n    return a + b\n");
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void thePodsDeadlineReachedIsATimeout() throws Exception {
        kubelet.behaviour.set(new FakeKubelet.Behaviour(FakeKubelet.Start.RUNS, ws -> { }, 0, true, null));
        Thread deadline = new Thread(() -> {
            try {
                while (true) {
                    var pods = client.pods().inNamespace("ci").list().getItems();
                    if (!pods.isEmpty() && pods.get(0).getStatus() != null && pods.get(0).getStatus().getContainerStatuses() != null
                            && !pods.get(0).getStatus().getContainerStatuses().isEmpty()) {
                        kubelet.setStatus(pods.get(0).getMetadata().getName(), new io.fabric8.kubernetes.api.model.PodStatusBuilder(pods.get(0).getStatus())
                                .withPhase("Failed").withReason("DeadlineExceeded").withMessage("Pod was active on the node longer than the specified deadline").build());
                        return;
                    }
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        deadline.start();
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(30)), OutputListener.NONE);
        deadline.join();
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.TIMED_OUT);
    }

    @Test
    void outOfMemoryIsReportedAsSuch() throws Exception {
        kubelet.behaviour.set(new FakeKubelet.Behaviour(FakeKubelet.Start.RUNS, ws -> { }, 137, false, "OOMKilled"));
        SandboxResult r = sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE);
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.OUT_OF_MEMORY);
    }

    @Test
    void overlaysAndFilesAsMountsAreRefusedWithWhatToDo() throws Exception {
        Path file = Files.createFile(tmp.resolve("plan.md"));
        SandboxSpec s = spec(Tier.GVISOR, Duration.ofSeconds(5));
        SandboxSpec withFile = new SandboxSpec(s.runId(), s.purpose(), s.image(), s.command(), s.workdir(), s.env(),
                List.of(s.mounts().get(0), new Mount(file, "/run/plan.md", true)), s.tier(), s.runtime(), s.limits(), null);
        assertThatThrownBy(() -> sandbox.run(withFile, OutputListener.NONE)).hasMessageContaining("streams folders into pods");
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        SandboxSpec overlay = new SandboxSpec(s.runId(), s.purpose(), s.image(), s.command(), s.workdir(), s.env(),
                List.of(Mount.overlay(lower, Files.createDirectories(tmp.resolve("upper")), Files.createDirectories(tmp.resolve("work")), "/workspace")),
                s.tier(), s.runtime(), s.limits(), null);
        assertThatThrownBy(() -> sandbox.run(overlay, OutputListener.NONE)).hasMessageContaining("--workspace copy");
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void theModelProxysSocketIsRelayedIntoThePodAndNeverCopied() throws Exception {
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(runDir.resolve("plan.md"), "the plan\n");
        AtomicInteger served = new AtomicInteger();
        try (ServerSocketChannel proxy = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            proxy.bind(UnixDomainSocketAddress.of(runDir.resolve("proxy.sock")));
            Thread host = new Thread(() -> {
                try {
                    while (true) {
                        try (SocketChannel c = proxy.accept()) {
                            served.incrementAndGet();
                            ByteBuffer b = ByteBuffer.allocate(256);
                            c.read(b);
                            c.write(ByteBuffer.wrap(("echo:" + new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
                        }
                    }
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            host.setDaemon(true);
            host.start();
            kubelet.behaviour.set(FakeKubelet.Behaviour.exits(ws -> {
                try {
                    Path proxyDir = ws.resolveSibling(PodSpecs.staging(1).replace('/', '_'));
                    assertThat(proxyDir.resolve("plan.md")).hasContent("the plan\n");
                    Path sock = proxyDir.resolve("proxy.sock");
                    for (int i = 0; i < 200 && !Files.exists(sock); i++) {
                        Thread.sleep(50); // as the bridge waits for the relay
                    }
                    assertThat(TarTransfer.isSocket(sock)).as("a socket bound in the pod, not a copied file").isTrue();
                    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                        c.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
                        Files.write(ws.resolve("answer.txt"), Channels.newInputStream(c).readAllBytes());
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, 0));
            SandboxSpec s = spec(Tier.GVISOR, Duration.ofSeconds(20));
            SandboxSpec withProxy = new SandboxSpec(s.runId(), s.purpose(), s.image(), s.command(), s.workdir(), s.env(),
                    List.of(s.mounts().get(0), new Mount(runDir, "/run/agent-sandbox", true)), s.tier(), s.runtime(), s.limits(), null);
            SandboxResult r = sandbox.run(withProxy, OutputListener.NONE);
            assertThat(r.exitCode()).isZero();
            assertThat(workspace.resolve("answer.txt")).hasContent("echo:hello");
            assertThat(served).hasValue(1);
            assertThat(r.containerConfig()).containsEntry("relayedSockets", List.of("/run/agent-sandbox/proxy.sock"));

            Pod pod = PodSpecs.pod("p", withProxy, sandbox.settings(), null, java.util.Set.of(1));
            assertThat(pod.getMetadata().getAnnotations()).containsEntry("dev.gvisor.spec.mount.m1.share", "pod")
                    .containsEntry("dev.gvisor.spec.mount.m1.type", "tmpfs").doesNotContainKey("dev.gvisor.spec.mount.m0.share");
            Container keeper = pod.getSpec().getContainers().get(1);
            assertThat(keeper.getVolumeMounts()).anySatisfy(m -> assertThat(m.getName()).isEqualTo("m1"));
            Container box = pod.getSpec().getContainers().get(0);
            assertThat(box.getVolumeMounts()).anySatisfy(m -> {
                assertThat(m.getName()).isEqualTo("m1");
                assertThat(m.getReadOnly()).as("the sandbox cannot replace the socket").isTrue();
            });
        }
    }

    @Test
    void aNamespacePolicyThatWouldOpenTheSandboxIsRefusedAndOneForOtherPodsIsNot() throws Exception {
        var open = new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder().withNewMetadata().withName("allow-all-egress")
                .withNamespace("ci").endMetadata().withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Egress")
                .addNewEgress().endEgress().endSpec().build();
        client.network().v1().networkPolicies().inNamespace("ci").resource(open).create();
        try {
            assertThatThrownBy(() -> sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(5)), OutputListener.NONE))
                    .isInstanceOf(InfrastructureException.class).hasMessageContaining("allow-all-egress").hasMessageContaining("namespace of their own");
            assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
        } finally {
            client.network().v1().networkPolicies().inNamespace("ci").withName("allow-all-egress").delete();
        }
        var web = new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder().withNewMetadata().withName("web").withNamespace("ci")
                .endMetadata().withNewSpec().withNewPodSelector().withMatchLabels(Map.of("app", "web")).endPodSelector().withPolicyTypes("Ingress")
                .addNewIngress().endIngress().endSpec().build();
        client.network().v1().networkPolicies().inNamespace("ci").resource(web).create();
        try {
            assertThat(sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(20)), OutputListener.NONE).succeeded()).isTrue();
        } finally {
            client.network().v1().networkPolicies().inNamespace("ci").withName("web").delete();
        }
    }

    @Test
    void cleanupLeavesAFreshPolicyWhosePodIsNotMadeYet() throws Exception {
        client.network().v1().networkPolicies().inNamespace("ci").resource(PodSpecs.denyAll("agent-sandbox-starting",
                spec(Tier.GVISOR, Duration.ofSeconds(5)), "ci")).create();
        sandbox.cleanup(false);
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").withName("agent-sandbox-starting").get()).isNotNull();
        sandbox.cleanup(true);
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").withName("agent-sandbox-starting").get()).isNull();
    }

    @Test
    void aRunThatAsksForTheProcessLogIsRefusedNotRunUnrecorded() {
        sandbox.traceProcesses(tmp.resolve("trace"));
        assertThatThrownBy(() -> sandbox.run(spec(Tier.GVISOR, Duration.ofSeconds(5)), OutputListener.NONE))
                .isInstanceOf(InfrastructureException.class).hasMessageContaining("sandbox.process-log: false");
        assertThat(client.pods().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void cleanupRemovesWhatDeadRunsLeftAndStopEndsARun() throws Exception {
        kubelet.close(); // the pods here are written as a node left them; nothing may move them on
        Map<String, String> dead = Map.of(Labels.CREATOR_HOST, "ci-host", Labels.CREATOR_PID, "1", Labels.CREATOR_PIDNS, "x");
        Pod left = new PodBuilder().withNewMetadata().withName("agent-sandbox-left").withNamespace("ci")
                .withLabels(Map.of(Labels.MANAGED, "true", Labels.RUN, "old")).withAnnotations(dead).endMetadata()
                .withNewSpec().addNewContainer().withName("sandbox").withImage("x").endContainer().endSpec()
                .withNewStatus().withPhase("Failed").endStatus().build();
        client.pods().inNamespace("ci").resource(left).create();
        client.network().v1().networkPolicies().inNamespace("ci").resource(PodSpecs.denyAll("agent-sandbox-left",
                spec(Tier.GVISOR, Duration.ofSeconds(5)), "ci")).create();
        Pod other = new PodBuilder().withNewMetadata().withName("someone-elses").withNamespace("ci").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("x").endContainer().endSpec().build();
        client.pods().inNamespace("ci").resource(other).create();
        assertThat(sandbox.cleanup(false)).isEqualTo(1);
        assertThat(client.pods().inNamespace("ci").list().getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("someone-elses");

        client.pods().inNamespace("ci").resource(new PodBuilder(left).editMetadata().withName("agent-sandbox-live")
                .withLabels(Map.of(Labels.MANAGED, "true", Labels.RUN, "live")).withAnnotations(Labels.creator()).endMetadata()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
        assertThat(sandbox.cleanup(false)).as("a live run's pod stays").isZero();
        sandbox.stop("live");
        assertThat(client.pods().inNamespace("ci").withLabel(Labels.RUN, "live").list().getItems()).isEmpty();
        sandbox.cleanup(true);
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").list().getItems()).isEmpty();
        client.pods().inNamespace("ci").withName("someone-elses").delete();
    }
}
