package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod of one sandbox and the NetworkPolicy that shuts it off, hardened as the Docker backend's
 * containers are (seed 001): the RuntimeClass of the tier, uid 65534, read-only root, no privilege
 * escalation, every capability dropped, seccomp RuntimeDefault, no service account token, no
 * service links, no host namespaces, requests equal to limits (CPU, memory, ephemeral storage), a
 * deadline. Three containers share the sandbox's folders, each an emptyDir:
 * <ul>
 * <li>{@value #LOADER} (init): waits while the host streams the folders in, then exits;</li>
 * <li>{@value #SANDBOX}: the command, with each folder read-only or writable as the spec says;</li>
 * <li>{@value #KEEPER}: idles so that the writable folders can be streamed out after the command ended.</li>
 * </ul>
 */
public final class PodSpecs {
    public static final String LOADER = "load";
    public static final String SANDBOX = "sandbox";
    public static final String KEEPER = "keep";
    /** The control folder in the loader and the keeper: the markers the host sets. */
    static final String CONTROL = "/agent-sandbox";
    static final String LOADED = CONTROL + "/.loaded";
    static final String COLLECTED = CONTROL + "/.collected";
    /** Pod label naming the sandbox: the NetworkPolicy selects it. */
    public static final String SANDBOX_LABEL = "dev.agentsandbox.sandbox";
    /** How long loading and collecting may take on top of the command's timeout before Kubernetes ends the pod. */
    static final long DEADLINE_SLACK_SECONDS = 600;
    /** gVisor's mount hints (runsc/boot/mount_hints.go), read from the pod's annotations when containerd passes them on. */
    static final String GVISOR_MOUNT = "dev.gvisor.spec.mount.";

    private PodSpecs() {
    }

    /** Where the loader and the keeper see mount {@code i}. */
    static String staging(int i) {
        return CONTROL + "/m" + i;
    }

    public static String runtimeClass(SandboxSpec spec, KubernetesSettings s) {
        return runtimeClass(spec.tier(), s);
    }

    static String runtimeClass(Tier tier, KubernetesSettings s) {
        return switch (tier) {
            case GVISOR -> s.gvisorRuntimeClass();
            case MICROVM -> s.microvmRuntimeClass();
            case CONTAINER -> null;
        };
    }

    /** Where a sandbox sees one of its folders, and whether it may write there. */
    record Slot(String containerPath, boolean readOnly) {
    }

    /** A warm pod's folders: every run's workspace, and the folder of the model proxy's socket, relayed. */
    static final List<Slot> WARM_SLOTS = List.of(new Slot("/workspace", false), new Slot("/run/agent-sandbox", true));
    /** In a warm pod the command, its environment and its folder are a script the host writes before the sandbox starts. */
    static final String RUN_SCRIPT = CONTROL + "/run.sh";
    /** Labels of a warm pool's pods: never {@link Labels#MANAGED}, since the pool, not a run, owns them until claimed. */
    static final Map<String, String> WARM_LABELS = Map.of("app.kubernetes.io/managed-by", "agent-sandbox", "dev.agentsandbox.warm", "true");

    /**
     * @param relayed the mounts with a socket the keeper relays: the keeper mounts them too, and
     *     under gVisor they are one tmpfs for the whole pod, so that a socket bound in the keeper is
     *     the one the sandbox connects to (without the hint each container has its own view)
     */
    public static Pod pod(String name, SandboxSpec spec, KubernetesSettings s, OwnerReference owner, java.util.Set<Integer> relayed) {
        List<EnvVar> env = spec.env().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
        ContainerBuilder sandbox = new ContainerBuilder().withCommand(spec.command()).withWorkingDir(spec.workdir()).withEnv(env);
        List<Slot> slots = spec.mounts().stream().map(m -> new Slot(m.containerPath(), m.readOnly())).toList();
        Pod pod = build(s, spec.image(), spec.tier(), spec.limits(), slots, relayed, sandbox, false, labels(name, spec), annotations(spec));
        pod.getMetadata().setName(name);
        pod.getSpec().setActiveDeadlineSeconds(spec.limits().timeout().toSeconds() + DEADLINE_SLACK_SECONDS);
        if (owner != null) {
            pod.getMetadata().setOwnerReferences(List.of(owner));
        }
        return pod;
    }

    /**
     * The pod of a warm pool's template (kubernetes-sigs/agent-sandbox): the hardened pod with
     * nothing of a run in it. It waits in its loader until claimed; the run's command is then a
     * script in the control folder, which the sandbox mounts read-only. There is no deadline (the
     * pod waits in the pool for as long as it takes); the claim's shutdown time stands in for it.
     */
    public static Pod warm(String image, Tier tier, dev.agentsandbox.sandbox.Limits limits, KubernetesSettings s) {
        ContainerBuilder sandbox = new ContainerBuilder().withCommand("sh", RUN_SCRIPT);
        return build(s, image, tier, limits, WARM_SLOTS, java.util.Set.of(1), sandbox, true, new LinkedHashMap<>(WARM_LABELS),
                new LinkedHashMap<>());
    }

    private static Pod build(KubernetesSettings s, String image, Tier tier, dev.agentsandbox.sandbox.Limits limits, List<Slot> slots,
                             java.util.Set<Integer> relayed, ContainerBuilder sandboxBase, boolean controlInSandbox,
                             Map<String, String> labels, Map<String, String> annotations) {
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> sandboxMounts = new ArrayList<>();
        List<VolumeMount> stagingMounts = new ArrayList<>();
        List<VolumeMount> keeperMounts = new ArrayList<>();
        volumes.add(emptyDir("control", null, null));
        stagingMounts.add(mount("control", CONTROL, false));
        keeperMounts.add(mount("control", CONTROL, false));
        if (controlInSandbox) {
            sandboxMounts.add(mount("control", CONTROL, true));
        }
        for (int i = 0; i < slots.size(); i++) {
            Slot m = slots.get(i);
            String v = "m" + i;
            volumes.add(emptyDir(v, null, Long.toString(s.diskBytes())));
            sandboxMounts.add(mount(v, m.containerPath(), m.readOnly()));
            stagingMounts.add(mount(v, staging(i), false));
            if (!m.readOnly() || relayed.contains(i)) {
                keeperMounts.add(mount(v, staging(i), false));
            }
            if (relayed.contains(i)) {
                annotations.put(GVISOR_MOUNT + v + ".type", "tmpfs");
                annotations.put(GVISOR_MOUNT + v + ".share", "pod");
                annotations.put(GVISOR_MOUNT + v + ".options", "rw,rprivate");
            }
        }
        volumes.add(emptyDir("tmp", "Memory", Long.toString(limits.tmpfsBytes())));
        sandboxMounts.add(mount("tmp", "/tmp", false));

        Container sandbox = sandboxBase.withName(SANDBOX).withImage(image).withImagePullPolicy(s.imagePullPolicy())
                .withVolumeMounts(sandboxMounts).withSecurityContext(hardened())
                .withResources(resources(limits.cpus(), limits.memoryBytes(), s.diskBytes())).withStdin(false).withTty(false).build();
        Container loader = helper(LOADER, image, s, "until [ -e " + LOADED + " ]; do sleep 1; done", stagingMounts);
        Container keeper = helper(KEEPER, image, s, "until [ -e " + COLLECTED + " ]; do sleep 1; done", keeperMounts);

        return new PodBuilder().withNewMetadata().withNamespace(s.namespace()).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withRuntimeClassName(runtimeClass(tier, s))
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withHostNetwork(false).withHostPID(false).withHostIPC(false).withShareProcessNamespace(false)
                .withTerminationGracePeriodSeconds(0L)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65534L).withRunAsGroup(65534L).withFsGroup(65534L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withInitContainers(loader)
                .withContainers(sandbox, keeper)
                .withVolumes(volumes)
                .withNodeSelector(s.placement().nodeSelector().isEmpty() ? null : s.placement().nodeSelector())
                .withTolerations(s.placement().tolerations().isEmpty() ? null : s.placement().tolerations())
                .withPriorityClassName(s.placement().priorityClassName())
                .withImagePullSecrets(s.placement().imagePullSecrets().isEmpty() ? null
                        : s.placement().imagePullSecrets().stream().map(n -> new io.fabric8.kubernetes.api.model.LocalObjectReference(n)).toList())
                .endSpec().build();
    }

    /**
     * The run in a warm pod, as a script: its folder, its environment (names checked, values
     * single-quoted) and its argv, each word single-quoted. Nothing of it reaches the pod's spec.
     */
    static String runScript(SandboxSpec spec) {
        StringBuilder b = new StringBuilder("cd ").append(quote(spec.workdir())).append(" || exit 126\n");
        for (var e : new java.util.TreeMap<>(spec.env()).entrySet()) {
            if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("environment variable name '" + e.getKey() + "' cannot be exported by sh");
            }
            b.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
        b.append("exec");
        for (String a : spec.command()) {
            b.append(' ').append(quote(a));
        }
        return b.append('\n').toString();
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Denies every connection into and out of the sandbox's pod. */
    public static NetworkPolicy denyAll(String name, SandboxSpec spec, String namespace) {
        return denyAll(name, spec, namespace, Map.of(SANDBOX_LABEL, name));
    }

    /** @param selector the labels of the one pod it is for (a warm pool's pod: its claim's uid) */
    static NetworkPolicy denyAll(String name, SandboxSpec spec, String namespace, Map<String, String> selector) {
        return new NetworkPolicyBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels(name, spec)).endMetadata()
                .withNewSpec().withNewPodSelector().withMatchLabels(selector).endPodSelector()
                .withPolicyTypes("Ingress", "Egress").endSpec().build();
    }

    static Map<String, String> labels(String name, SandboxSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Labels.MANAGED, "true");
        m.put(Labels.RUN, spec.runId());
        m.put(Labels.PURPOSE, spec.purpose());
        m.put(SANDBOX_LABEL, name);
        m.put("app.kubernetes.io/managed-by", "agent-sandbox");
        return m;
    }

    /** Who created the pod, as the Docker backend labels its containers (values Kubernetes labels cannot carry). */
    static Map<String, String> annotations(SandboxSpec spec) {
        Map<String, String> m = new LinkedHashMap<>(Labels.creator());
        m.put("dev.agentsandbox.tier", spec.tier().id());
        return m;
    }

    static SecurityContext hardened() {
        return new SecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(65534L).withRunAsGroup(65534L)
                .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build();
    }

    private static Container helper(String name, String image, KubernetesSettings s, String script, List<VolumeMount> mounts) {
        return new ContainerBuilder().withName(name).withImage(image).withImagePullPolicy(s.imagePullPolicy())
                .withCommand("sh", "-c", script).withVolumeMounts(mounts).withSecurityContext(hardened())
                .withResources(resources(0.1, 64L * 1024 * 1024, 64L * 1024 * 1024)).build();
    }

    private static ResourceRequirements resources(double cpus, long memory, long disk) {
        Map<String, Quantity> q = new LinkedHashMap<>();
        q.put("cpu", new Quantity(Math.max(1, Math.round(cpus * 1000)) + "m"));
        q.put("memory", new Quantity(Long.toString(memory)));
        q.put("ephemeral-storage", new Quantity(Long.toString(disk)));
        return new ResourceRequirementsBuilder().withLimits(q).withRequests(q).build();
    }

    private static Volume emptyDir(String name, String medium, String sizeLimit) {
        return new VolumeBuilder().withName(name).withNewEmptyDir().withMedium(medium)
                .withSizeLimit(sizeLimit == null ? null : new Quantity(sizeLimit)).endEmptyDir().build();
    }

    private static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
    }
}
