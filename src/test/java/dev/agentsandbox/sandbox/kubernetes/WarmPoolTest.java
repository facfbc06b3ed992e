package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods from a warm pool of kubernetes-sigs/agent-sandbox, against fabric8's mock API server with
 * {@link FakeKubelet} standing in for the claim controller as its source describes it (a Sandbox
 * named on the claim's status, the pod labelled with the claim's uid). The pod handed over is the
 * operators' and is checked before anything of the run goes in.
 */
@EnableKubernetesMockClient(crud = true)
class WarmPoolTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path tmp;
    private FakeKubelet kubelet;
    private KubernetesSettings settings;
    private KubernetesSandbox sandbox;
    private Path workspace;

    @BeforeEach
    void setUp() throws Exception {
        FakeKubelet.serveClaims(server);
        client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class)
                .resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata().withHandler("runsc").build()).createOr(r -> r.update());
        kubelet = new FakeKubelet(client, "ci", tmp.resolve("node"));
        settings = new KubernetesSettings("ci", "gvisor", "kata", 64L * 1024 * 1024, "IfNotPresent", Duration.ofSeconds(30), null, "agents");
        sandbox = new KubernetesSandbox(client, settings, kubelet);
        workspace = Files.createDirectories(tmp.resolve("ws"));
        Files.writeString(workspace.resolve("calc.py"), "x = 1\n");
    }

    @AfterEach
    void tearDown() {
        kubelet.close();
        client.pods().inNamespace("ci").delete();
        client.network().v1().networkPolicies().inNamespace("ci").delete();
        client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace("ci").delete();
        client.genericKubernetesResources(WarmPool.SANDBOXES).inNamespace("ci").delete();
    }

    private SandboxSpec spec(String image) {
        return new SandboxSpec("run-1", "agent", image, List.of("sh", "-c", "do-it 'now'"), "/workspace", Map.of("AGENT_TASK", "it's $(x)"),
                List.of(new Mount(workspace, "/workspace", false)), Tier.GVISOR, "runsc",
                new Limits(1.5, 512L * 1024 * 1024, 256, 32L * 1024 * 1024, Duration.ofSeconds(20), 1024 * 1024), null);
    }

    private Pod template(String image) {
        return PodSpecs.warm(image, Tier.GVISOR, spec(image).limits(), settings);
    }

    @Test
    void aWarmPodIsClaimedCheckedShutOffByItsClaimsLabelAndRunsTheRunsScript() throws Exception {
        kubelet.warmPod.set(template("agent:1"));
        AtomicReference<String> script = new AtomicReference<>();
        AtomicReference<Map<String, String>> selector = new AtomicReference<>();
        kubelet.behaviour.set(FakeKubelet.Behaviour.exits(ws -> {
            try {
                script.set(Files.readString(ws.resolveSibling(PodSpecs.CONTROL.replace('/', '_')).resolve("run.sh")));
                selector.set(client.network().v1().networkPolicies().inNamespace("ci").list().getItems().get(0).getSpec().getPodSelector().getMatchLabels());
                Files.writeString(ws.resolve("calc.py"), "x = 2\n");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, 0));
        SandboxResult r = sandbox.run(spec("agent:1"), OutputListener.NONE);

        assertThat(r.exitCode()).isZero();
        assertThat(workspace.resolve("calc.py")).hasContent("x = 2\n");
        assertThat(script.get()).isEqualTo("cd '/workspace' || exit 126\nexport AGENT_TASK='it'\\''s $(x)'\nexec 'sh' '-c' 'do-it '\\''now'\\'''\n");
        String claim = kubelet.handedOver.keySet().iterator().next();
        String uid = selector.get().get(WarmPool.CLAIM_UID_LABEL);
        assertThat(uid).as("our deny-all selects the pod by its claim's uid").isNotBlank();
        assertThat(r.containerConfig()).containsEntry("warmPool", "agents").containsEntry("sandboxClaim", claim)
                .containsEntry("pod", kubelet.handedOver.get(claim));
        assertThat(client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace("ci").list().getItems()).as("the claim is released").isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void aWarmPodWeakerThanTheHardenedOneIsRefusedBeforeAnythingOfTheRunGoesIn() {
        Pod weak = new PodBuilder(template("agent:1")).editSpec().withAutomountServiceAccountToken(true).withHostNetwork(true)
                .addNewVolume().withName("docker").withNewHostPath().withPath("/var/run/docker.sock").endHostPath().endVolume()
                .editMatchingContainer(c -> c.getName().equals(PodSpecs.SANDBOX))
                .editSecurityContext().withReadOnlyRootFilesystem(false).endSecurityContext()
                .addToEnv(new io.fabric8.kubernetes.api.model.EnvVar("TOKEN", "t", null))
                .editResources().addToLimits("memory", new Quantity("8Gi")).endResources()
                .endContainer().endSpec().build();
        kubelet.warmPod.set(weak);
        assertThatThrownBy(() -> sandbox.run(spec("agent:1"), OutputListener.NONE)).isInstanceOf(InfrastructureException.class)
                .hasMessageContaining("not the hardened pod this run needs")
                .hasMessageContaining("spec.automountServiceAccountToken is true, not false")
                .hasMessageContaining("spec.hostNetwork is true, not absent")
                .hasMessageContaining("spec.volumes[docker].hostPath.path is /var/run/docker.sock, not absent")
                .hasMessageContaining("spec.containers[sandbox].securityContext.readOnlyRootFilesystem is false, not true")
                .hasMessageContaining("spec.containers[sandbox].env[TOKEN].value is t, not absent")
                .hasMessageContaining("spec.containers[sandbox].resources.limits.memory is 8Gi, more than the run's 536870912")
                .hasMessageContaining("agent-sandbox kubernetes-template --image agent:1")
                .hasMessageContaining("nothing of the run went in");
        assertThat(tmp.resolve("node")).as("nothing was streamed into the pod").doesNotExist();
        assertThat(client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void aPoolOfAnotherImageIsRefusedNamingBoth() {
        kubelet.warmPod.set(template("other:2"));
        assertThatThrownBy(() -> sandbox.run(spec("agent:1"), OutputListener.NONE))
                .hasMessageContaining("containers[sandbox].image is other:2, not agent:1");
    }

    @Test
    void aPodWithoutTheClaimsLabelIsRefused() {
        kubelet.warmPod.set(template("agent:1"));
        Pod unlabelled = template("agent:1");
        assertThat(WarmPool.differences(template("agent:1"), unlabelled)).isEmpty();
        SandboxSpec s = spec("agent:1");
        WarmPool pool = new WarmPool(client, settings);
        assertThatThrownBy(() -> pool.verify(new PodBuilder(unlabelled).editMetadata().withName("p").endMetadata().build(), s,
                new WarmPool.Claim("c", "uid-1"))).hasMessageContaining("label agents.x-k8s.io/claim-uid is null, not the claim's uid-1");
    }

    @Test
    void noPodHandedOverFailsAtTheScheduleTimeoutAndReleasesTheClaim() {
        KubernetesSettings quick = new KubernetesSettings("ci", "gvisor", "kata", 64L * 1024 * 1024, "IfNotPresent", Duration.ofSeconds(2), null, "agents");
        KubernetesSandbox s = new KubernetesSandbox(client, quick, kubelet);
        assertThatThrownBy(() -> s.run(spec("agent:1"), OutputListener.NONE)).hasMessageContaining("warm pool agents handed over no pod within 2 s")
                .hasMessageContaining("no conditions on the claim");
        assertThat(client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace("ci").list().getItems()).isEmpty();
    }

    @Test
    void theRunScriptKeepsEveryWordAsItWasWhateverItHolds() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("wd"));
        String hostile = "it's \"$(touch pwned)\" `touch pwned2` \\ \n$HOME ;|&";
        SandboxSpec s = new SandboxSpec("run-1", "agent", "i", List.of("sh", "-c", "printf '%s|' \"$X\" \"$@\" > out", "arg0", hostile, "'"),
                dir.toString(), Map.of("X", hostile), List.of(), Tier.GVISOR, "runsc", spec("i").limits(), null);
        Path script = Files.writeString(tmp.resolve("run.sh"), PodSpecs.runScript(s));
        Process p = new ProcessBuilder("sh", script.toString()).directory(tmp.toFile()).start();
        assertThat(p.waitFor()).isZero();
        assertThat(dir.resolve("out")).hasContent(hostile + "|" + hostile + "|'|");
        assertThat(dir.resolve("pwned")).doesNotExist();
        assertThat(tmp.resolve("pwned")).doesNotExist();
        assertThatThrownBy(() -> PodSpecs.runScript(new SandboxSpec("run-1", "agent", "i", List.of("true"), "/w", Map.of("A;rm -rf /", "x"),
                List.of(), Tier.GVISOR, "runsc", spec("i").limits(), null))).hasMessageContaining("cannot be exported by sh");
    }

    @Test
    void theTemplateAnOperatorAppliesIsThePodARunAccepts() {
        String yaml = WarmPool.templateYaml("agents", 3, "agent:1", Tier.GVISOR, spec("agent:1").limits(), settings);
        var serialization = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
        String[] docs = yaml.split("(?m)^---$");
        var template = serialization.unmarshal(docs[1], io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
        var pool = serialization.unmarshal(docs[2], io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
        assertThat(template.getKind()).isEqualTo("SandboxTemplate");
        assertThat((Map<String, Object>) template.get("spec", "networkPolicy")).as("no rules: deny all; left out, the internet is open").isEmpty();
        assertThat(pool.<Object>get("spec", "replicas")).isEqualTo(3);
        assertThat(pool.<String>get("spec", "sandboxTemplateRef", "name")).isEqualTo("agents");
        Map<String, Object> podTemplate = template.get("spec", "podTemplate");
        Pod applied = new PodBuilder().withMetadata(serialization.convertValue(podTemplate.get("metadata"), io.fabric8.kubernetes.api.model.ObjectMeta.class))
                .withSpec(serialization.convertValue(podTemplate.get("spec"), io.fabric8.kubernetes.api.model.PodSpec.class)).build();
        assertThat(WarmPool.differences(template("agent:1"), applied)).isEmpty();
        assertThatThrownBy(() -> WarmPool.templateYaml("Bad_Name", 1, "i", Tier.GVISOR, spec("i").limits(), settings))
                .hasMessageContaining("not a Kubernetes object name");
    }

    /**
     * What admission adds on real clusters passes, and nothing more: the ServiceAccount plugin's
     * imagePullSecrets, GKE Sandbox's gVisor mount hints on the pod's emptyDirs. A hint on another
     * volume, one sharing with the host, or a Kata annotation of the pod's own is a difference.
     */
    @Test
    void whatAdmissionAddsIsAcceptedAndNothingElse() {
        Pod hardened = template("agent:1");
        Pod admitted = new PodBuilder(hardened).editMetadata().addToAnnotations("dev.gvisor.spec.mount.m0.share", "pod")
                .addToAnnotations("dev.gvisor.spec.mount.m0.type", "tmpfs").addToAnnotations("dev.gvisor.spec.mount.m0.options", "rw")
                .endMetadata().editSpec().addNewImagePullSecret("registry-pull").endSpec().build();
        assertThat(WarmPool.differences(hardened, admitted)).isEmpty();
        Pod hostShared = new PodBuilder(hardened).editMetadata().addToAnnotations("dev.gvisor.spec.mount.m0.share", "shared").endMetadata().build();
        assertThat(WarmPool.differences(hardened, hostShared)).anySatisfy(x -> assertThat(x).contains("annotation dev.gvisor.spec.mount.m0.share is shared"));
        Pod otherVolume = new PodBuilder(hardened).editMetadata().addToAnnotations("dev.gvisor.spec.mount.hostdata.type", "bind").endMetadata().build();
        assertThat(WarmPool.differences(hardened, otherVolume)).isNotEmpty();
        Pod kata = new PodBuilder(hardened).editMetadata().addToAnnotations("io.katacontainers.config.hypervisor.default_memory", "65536")
                .endMetadata().build();
        assertThat(WarmPool.differences(hardened, kata)).anySatisfy(x -> assertThat(x).contains("annotation io.katacontainers.config.hypervisor"));
    }

    /** What a template can add that runs code, opens the host or outlives the run: each is a difference, none passes. */
    @Test
    void whatATemplateAddsBeyondTheHardenedPodIsNamedNotIgnored() {
        Pod hardened = template("agent:1");
        var hook = new io.fabric8.kubernetes.api.model.LifecycleBuilder().withNewPostStart().withNewExec()
                .withCommand("sh", "-c", "echo 'exit 0' > /agent-sandbox/run.sh").endExec().endPostStart().build();
        Pod keepFirstWithHook = new PodBuilder(hardened).editSpec().withContainers(
                new io.fabric8.kubernetes.api.model.ContainerBuilder(hardened.getSpec().getContainers().get(1)).withLifecycle(hook).build(),
                hardened.getSpec().getContainers().get(0)).endSpec().build();
        assertThat(WarmPool.differences(hardened, keepFirstWithHook)).anySatisfy(x -> assertThat(x).contains("containers[keep].lifecycle.postStart"))
                .anySatisfy(x -> assertThat(x).contains("spec.containers are [keep, sandbox], not [sandbox, keep] (in that order)"));

        Pod probe = new PodBuilder(hardened).editSpec().editMatchingContainer(c -> c.getName().equals("keep")).withNewReadinessProbe()
                .withNewExec().withCommand("sh", "-c", "echo x > /agent-sandbox/m0/evil").endExec().endReadinessProbe().endContainer().endSpec().build();
        assertThat(WarmPool.differences(hardened, probe)).anySatisfy(x -> assertThat(x).contains("containers[keep].readinessProbe.exec.command"));

        Pod sidecarLoader = new PodBuilder(hardened).editSpec().withRestartPolicy("Always").editMatchingInitContainer(c -> c.getName().equals("load"))
                .withRestartPolicy("Always").endInitContainer().withTerminationGracePeriodSeconds(3600L).endSpec().build();
        assertThat(WarmPool.differences(hardened, sidecarLoader)).anySatisfy(x -> assertThat(x).contains("spec.restartPolicy is Always, not Never"))
                .anySatisfy(x -> assertThat(x).contains("spec.initContainers[load].restartPolicy is Always, not absent"))
                .anySatisfy(x -> assertThat(x).contains("spec.terminationGracePeriodSeconds is 3600, not 0"));

        Pod devices = new PodBuilder(hardened).editSpec().editMatchingContainer(c -> c.getName().equals("sandbox"))
                .editResources().addToLimits("nvidia.com/gpu", new Quantity("1")).endResources()
                .addNewPort().withContainerPort(80).withHostPort(80).endPort().endContainer().endSpec()
                .editMetadata().addToAnnotations("dev.gvisor.flag.network", "sandbox").endMetadata().build();
        assertThat(WarmPool.differences(hardened, devices)).anySatisfy(x -> assertThat(x).contains("resources.limits.nvidia.com/gpu is 1, not absent"))
                .anySatisfy(x -> assertThat(x).contains("hostPort is 80, not absent"))
                .anySatisfy(x -> assertThat(x).contains("annotation dev.gvisor.flag.network is sandbox, not absent"));

        Pod placed = new PodBuilder(hardened).editSpec().withNodeName("node-1").withServiceAccountName("default").withDnsPolicy("ClusterFirst")
                .addNewToleration().withKey("node.kubernetes.io/not-ready").withOperator("Exists").withEffect("NoExecute").endToleration()
                .editMatchingContainer(c -> c.getName().equals("sandbox")).withTerminationMessagePath("/dev/termination-log").endContainer()
                .endSpec().build();
        assertThat(WarmPool.differences(hardened, placed)).as("what the cluster sets on every pod").isEmpty();
    }
}
