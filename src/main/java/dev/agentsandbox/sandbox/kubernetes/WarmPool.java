package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Pods from a warm pool of kubernetes-sigs/agent-sandbox: each sandbox is a {@code SandboxClaim}
 * on the pool, and the controller hands over a pod it started earlier (scheduled, image pulled,
 * gVisor booted) from the pool's {@code SandboxTemplate}. The cluster's operators own that
 * template, so the pod handed over is trusted for nothing: before anything of the run goes in, it
 * must be the hardened pod {@link PodSpecs#warm} describes for this run's image, tier and limits
 * (any difference refuses the run), and carry the claim's label that our NetworkPolicy selects.
 */
public final class WarmPool {
    public static final String EXTENSIONS = "extensions.agents.x-k8s.io";
    public static final String AGENTS = "agents.x-k8s.io";
    static final String VERSION = "v1beta1";
    static final ResourceDefinitionContext CLAIMS = context(EXTENSIONS, "SandboxClaim", "sandboxclaims");
    static final ResourceDefinitionContext POOLS = context(EXTENSIONS, "SandboxWarmPool", "sandboxwarmpools");
    static final ResourceDefinitionContext TEMPLATES = context(EXTENSIONS, "SandboxTemplate", "sandboxtemplates");
    static final ResourceDefinitionContext SANDBOXES = context(AGENTS, "Sandbox", "sandboxes");
    /** Set by the claim controller on the pod it hands over, "for discovery and NetworkPolicy targeting". */
    static final String CLAIM_UID_LABEL = "agents.x-k8s.io/claim-uid";
    static final String POD_NAME_ANNOTATION = "agents.x-k8s.io/pod-name";

    record Claim(String name, String uid) {
    }

    private final KubernetesClient client;
    private final KubernetesSettings settings;

    WarmPool(KubernetesClient client, KubernetesSettings settings) {
        this.client = client;
        this.settings = Objects.requireNonNull(settings);
        Objects.requireNonNull(settings.warmPool(), "warmPool");
    }

    static ResourceDefinitionContext context(String group, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(VERSION).withKind(kind).withPlural(plural)
                .withNamespaced(true).build();
    }

    /** Claims a pod of the pool; the controller deletes what the claim holds at its shutdown time even if this process is gone. */
    Claim claim(String name, SandboxSpec spec) {
        Map<String, Object> lifecycle = new LinkedHashMap<>();
        lifecycle.put("shutdownTime", Instant.now().plus(settings.scheduleTimeout()).plus(spec.limits().timeout()).plusSeconds(PodSpecs.DEADLINE_SLACK_SECONDS)
                .truncatedTo(ChronoUnit.SECONDS).toString());
        lifecycle.put("shutdownPolicy", "Delete");
        GenericKubernetesResource claim = new GenericKubernetesResourceBuilder().withApiVersion(EXTENSIONS + "/" + VERSION)
                .withKind("SandboxClaim").withNewMetadata().withName(name).withNamespace(settings.namespace())
                .withLabels(PodSpecs.labels(name, spec)).withAnnotations(PodSpecs.annotations(spec)).endMetadata()
                .addToAdditionalProperties("spec", Map.of("warmPoolRef", Map.of("name", settings.warmPool()), "lifecycle", lifecycle))
                .build();
        GenericKubernetesResource created = client.genericKubernetesResources(CLAIMS).inNamespace(settings.namespace()).resource(claim).create();
        return new Claim(name, created.getMetadata().getUid());
    }

    /** The pod the controller handed over for the claim: named on the claim's status and on its Sandbox. */
    String awaitPod(Claim claim) throws InfrastructureException, InterruptedException {
        long deadline = System.nanoTime() + settings.scheduleTimeout().toNanos();
        while (true) {
            GenericKubernetesResource c = client.genericKubernetesResources(CLAIMS).inNamespace(settings.namespace()).withName(claim.name()).get();
            if (c == null) {
                throw new InfrastructureException("the SandboxClaim " + claim.name() + " was deleted from outside the run; nothing is committed");
            }
            String sandbox = c.get("status", "sandbox", "name");
            if (sandbox != null && !sandbox.isEmpty()) {
                GenericKubernetesResource sb = client.genericKubernetesResources(SANDBOXES).inNamespace(settings.namespace()).withName(sandbox).get();
                if (sb != null) {
                    Map<String, String> a = sb.getMetadata().getAnnotations();
                    String pod = a == null ? null : a.get(POD_NAME_ANNOTATION);
                    return pod == null || pod.isEmpty() ? sandbox : pod;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new InfrastructureException("the warm pool " + settings.warmPool() + " handed over no pod within "
                        + settings.scheduleTimeout().toSeconds() + " s for claim " + claim.name() + ": " + conditions(c)
                        + " (is the SandboxWarmPool there, and the agent-sandbox controller running?)");
            }
            Thread.sleep(PodWatch.POLL.toMillis());
        }
    }

    private static String conditions(GenericKubernetesResource c) {
        List<Map<String, Object>> list = c.get("status", "conditions");
        if (list == null || list.isEmpty()) {
            return "no conditions on the claim";
        }
        return list.stream().map(m -> m.get("type") + "=" + m.get("status") + (m.get("reason") == null ? "" : " (" + m.get("reason")
                + (m.get("message") == null ? "" : ": " + KubernetesSandbox.firstLine(String.valueOf(m.get("message")))) + ")"))
                .collect(Collectors.joining(", "));
    }

    /** How long the claim's label may lag behind the claim naming its pod. */
    static final java.time.Duration LABEL_LAG = java.time.Duration.ofSeconds(15);

    /**
     * The handed-over pod once it carries the claim's uid label (our NetworkPolicy selects it by that
     * label): the controller names the pod in the claim's status and relabels the pod in separate
     * writes, so the label may come a little later. Waited for within {@link #LABEL_LAG}; null when the
     * pod is gone. After the bound the pod is returned as it is, and {@link #verify} names the gap.
     */
    Pod awaitClaimLabel(String podName, Claim claim) throws InterruptedException {
        long deadline = System.nanoTime() + LABEL_LAG.toNanos();
        while (true) {
            Pod pod = client.pods().inNamespace(settings.namespace()).withName(podName).get();
            Map<String, String> labels = pod == null || pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
            if (pod == null || labels.get(CLAIM_UID_LABEL) != null || System.nanoTime() > deadline) {
                return pod;
            }
            Thread.sleep(100);
        }
    }

    /**
     * Refuses a handed-over pod that is not the hardened one for this run, or that our policy does
     * not select yet; each difference is named.
     */
    void verify(Pod pod, SandboxSpec spec, Claim claim) throws InfrastructureException {
        List<String> diff = differences(PodSpecs.warm(spec.image(), spec.tier(), spec.limits(), settings), pod);
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        if (!claim.uid().equals(labels.get(CLAIM_UID_LABEL))) {
            diff.add("label " + CLAIM_UID_LABEL + " is " + labels.get(CLAIM_UID_LABEL) + ", not the claim's " + claim.uid()
                    + " (the sandbox's NetworkPolicy selects it)");
        }
        if (!diff.isEmpty()) {
            throw new InfrastructureException("the warm pool " + settings.warmPool() + " handed over pod " + pod.getMetadata().getName()
                    + ", which is not the hardened pod this run needs: " + String.join("; ", diff) + ". Make the pool's SandboxTemplate with"
                    + " `agent-sandbox kubernetes-template --image " + spec.image() + "` (and this run's limits); nothing of the run went in");
        }
    }

    /** A warm pod's folders are fixed: a sandbox that needs others is refused before anything is claimed. */
    void requireSlots(SandboxSpec spec) throws InfrastructureException {
        for (int i = 0; i < spec.mounts().size(); i++) {
            var m = spec.mounts().get(i);
            if (i >= PodSpecs.WARM_SLOTS.size() || !PodSpecs.WARM_SLOTS.get(i).equals(new PodSpecs.Slot(m.containerPath(), m.readOnly()))) {
                throw new InfrastructureException("a warm pool's pods have " + PodSpecs.WARM_SLOTS + " as folders, and this sandbox needs "
                        + m.containerPath() + (m.readOnly() ? " read-only" : " writable") + " as folder " + i
                        + ": run it with plain pods (unset AGENT_SANDBOX_K8S_WARM_POOL)");
            }
        }
    }

    /**
     * Fields a cluster sets on every pod (defaults, admission, scheduling) and that do not make a
     * sandbox weaker: placement is the operators' business, and no token is mounted whatever the
     * service account. Everything else in the pod's spec must be exactly as expected.
     */
    static final Set<String> SET_BY_THE_CLUSTER = Set.of("nodeName", "schedulerName", "tolerations", "affinity", "nodeSelector", "priority",
            "priorityClassName", "preemptionPolicy", "dnsPolicy", "hostname", "subdomain", "serviceAccountName", "serviceAccount", "overhead",
            "topologySpreadConstraints", "schedulingGates", "readinessGates", "setHostnameAsFQDN", "os",
            // the ServiceAccount admission plugin copies the account's pull secrets into every pod: pulling only
            "imagePullSecrets");
    static final Set<String> SET_ON_CONTAINERS = Set.of("terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy");
    /** Booleans whose absence means false. */
    static final Set<String> FALSE_BY_DEFAULT = Set.of("stdin", "stdinOnce", "tty", "readOnly", "privileged", "hostNetwork", "hostPID", "hostIPC",
            "shareProcessNamespace");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * Where {@code actual} is weaker than, or other than, {@code expected}: every field of the pod's
     * spec (containers and volumes by name, in order), limits and requests no larger and no other
     * resources, and no gVisor annotation of its own. What is not named is not allowed: a
     * lifecycle hook, a probe, a restart policy, a device, a host port all differ.
     */
    static List<String> differences(Pod expected, Pod actual) {
        List<String> d = new ArrayList<>();
        Map<String, Object> e = new java.util.TreeMap<>();
        Map<String, Object> a = new java.util.TreeMap<>();
        flatten("spec", JSON.convertValue(expected.getSpec(), Object.class), e);
        flatten("spec", JSON.convertValue(actual.getSpec(), Object.class), a);
        Set<String> keys = new TreeSet<>(e.keySet());
        keys.addAll(a.keySet());
        for (String k : keys) {
            String[] path = k.split("\\.");
            String field = path[path.length - 1].replaceAll("\\[.*", "");
            if (SET_BY_THE_CLUSTER.contains(path[1].replaceAll("\\[.*", ""))
                    || path.length == 3 && path[1].matches("(initContainers|containers)\\[.*") && SET_ON_CONTAINERS.contains(field)) {
                continue;
            }
            Object ev = e.get(k);
            Object av = a.get(k);
            if (FALSE_BY_DEFAULT.contains(field)) {
                ev = Boolean.TRUE.equals(ev) ? ev : null;
                av = Boolean.TRUE.equals(av) ? av : null;
            }
            if (k.contains(".resources.limits.") || k.contains(".resources.requests.") || k.endsWith(".emptyDir.sizeLimit")) {
                atMost(d, k, ev, av);
            } else {
                same(d, k, ev, av);
            }
        }
        for (boolean init : new boolean[] {true, false}) {
            List<String> en = names(init ? expected.getSpec().getInitContainers() : expected.getSpec().getContainers());
            List<String> an = names(init ? actual.getSpec().getInitContainers() : actual.getSpec().getContainers());
            if (!en.equals(an)) {
                d.add("spec." + (init ? "initContainers" : "containers") + " are " + an + ", not " + en + " (in that order)");
            }
        }
        Map<String, String> ea = expected.getMetadata().getAnnotations() == null ? Map.of() : expected.getMetadata().getAnnotations();
        Map<String, String> aa = actual.getMetadata().getAnnotations() == null ? Map.of() : actual.getMetadata().getAnnotations();
        Set<String> runtime = new TreeSet<>();
        ea.keySet().stream().filter(WarmPool::runtimeAnnotation).forEach(runtime::add);
        aa.keySet().stream().filter(WarmPool::runtimeAnnotation).forEach(runtime::add);
        Set<String> emptyDirs = new TreeSet<>();
        if (actual.getSpec().getVolumes() != null) {
            actual.getSpec().getVolumes().stream().filter(v -> v.getEmptyDir() != null).forEach(v -> emptyDirs.add(v.getName()));
        }
        for (String x : runtime) {
            if (ea.get(x) == null && gkeMountHint(x, aa.get(x), emptyDirs)) {
                continue;
            }
            same(d, "annotation " + x, ea.get(x), aa.get(x));
        }
        return d;
    }

    /** Annotations the sandbox's runtime reads: gVisor's (runsc) and Kata's (the microvm tier) each change the isolation. */
    static boolean runtimeAnnotation(String key) {
        return key.startsWith("dev.gvisor.") || key.startsWith("io.katacontainers.");
    }

    /**
     * What GKE Sandbox's admission adds to an emptyDir: gVisor mount hints that share it within the
     * pod as a tmpfs or a bind, read-write or read-only. Nothing else passes: not another volume, not
     * "shared" with the host, not a hint the expected pod sets itself.
     */
    static boolean gkeMountHint(String key, String value, Set<String> emptyDirs) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("dev\\.gvisor\\.spec\\.mount\\.([a-z0-9-]+)\\.(share|type|options)").matcher(key);
        if (!m.matches() || !emptyDirs.contains(m.group(1)) || value == null) {
            return false;
        }
        return switch (m.group(2)) {
            case "share" -> Set.of("container", "pod").contains(value);
            case "type" -> Set.of("tmpfs", "bind").contains(value);
            default -> Set.of("rw", "ro").containsAll(List.of(value.split(",")));
        };
    }

    private static List<String> names(List<Container> list) {
        return list == null ? List.of() : list.stream().map(Container::getName).toList();
    }

    private static void atMost(List<String> d, String what, Object limit, Object actual) {
        if (limit == null || actual == null) {
            same(d, what, limit, actual); // a resource of its own, or one missing
            return;
        }
        BigDecimal a = Quantity.getAmountInBytes(new Quantity(String.valueOf(actual)));
        if (a.compareTo(Quantity.getAmountInBytes(new Quantity(String.valueOf(limit)))) > 0 || a.signum() <= 0) {
            d.add(what + " is " + actual + ", more than the run's " + limit);
        }
    }

    /** Paths to values: lists of named objects by name (volume mounts by path), other lists by index, an empty object as "{}". */
    private static void flatten(String path, Object value, Map<String, Object> into) {
        if (value instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                into.put(path, "{}");
            }
            m.forEach((k, v) -> flatten(path + "." + k, v, into));
        } else if (value instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                Object item = l.get(i);
                String key = String.valueOf(i);
                if (item instanceof Map<?, ?> m && m.get("mountPath") != null) {
                    key = String.valueOf(m.get("mountPath"));
                } else if (item instanceof Map<?, ?> m && m.get("name") != null) {
                    key = String.valueOf(m.get("name"));
                }
                flatten(path + "[" + key + "]", item, into);
            }
        } else if (value != null) {
            into.put(path, value);
        }
    }

    private static void same(List<String> d, String what, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            d.add(what + " is " + (actual == null ? "absent" : actual) + ", not " + (expected == null ? "absent" : expected));
        }
    }

    /**
     * What an operator applies for a warm pool of this tool's sandboxes: the SandboxTemplate (the
     * hardened pod of {@link PodSpecs#warm}, and a managed NetworkPolicy with no rules, which denies
     * everything; left out, the controller's default would allow the public internet) and the
     * SandboxWarmPool of it.
     */
    static List<GenericKubernetesResource> templateAndPool(String name, int replicas, Pod pod, String namespace) {
        Map<String, Object> podTemplate = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("labels", pod.getMetadata().getLabels());
        meta.put("annotations", pod.getMetadata().getAnnotations());
        podTemplate.put("metadata", meta);
        podTemplate.put("spec", pod.getSpec());
        Map<String, Object> templateSpec = new LinkedHashMap<>();
        templateSpec.put("podTemplate", podTemplate);
        templateSpec.put("networkPolicyManagement", "Managed");
        templateSpec.put("networkPolicy", Map.of());
        templateSpec.put("envVarsInjectionPolicy", "Disallowed");
        GenericKubernetesResource template = new GenericKubernetesResourceBuilder().withApiVersion(EXTENSIONS + "/" + VERSION)
                .withKind("SandboxTemplate").withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToAdditionalProperties("spec", templateSpec).build();
        GenericKubernetesResource pool = new GenericKubernetesResourceBuilder().withApiVersion(EXTENSIONS + "/" + VERSION)
                .withKind("SandboxWarmPool").withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToAdditionalProperties("spec", Map.of("replicas", replicas, "sandboxTemplateRef", Map.of("name", name))).build();
        return List.of(template, pool);
    }

    /**
     * What doctor reports of a pool: whether it is there, how many pods it holds (they wait in
     * their loader, so the pool counts none of them Ready: the claim controller hands over such
     * pods all the same), and what in its template's network policy would open them (null: nothing).
     */
    public record PoolState(boolean exists, int pods, String template, String openingPolicy) {
    }

    public static PoolState inspect(KubernetesClient client, String namespace, String pool) {
        GenericKubernetesResource p = client.genericKubernetesResources(POOLS).inNamespace(namespace).withName(pool).get();
        if (p == null) {
            return new PoolState(false, 0, null, null);
        }
        Number pods = p.get("status", "replicas");
        String templateName = p.get("spec", "sandboxTemplateRef", "name");
        GenericKubernetesResource t = templateName == null ? null
                : client.genericKubernetesResources(TEMPLATES).inNamespace(namespace).withName(templateName).get();
        String opening;
        if (t == null) {
            opening = "its SandboxTemplate " + templateName + " is not there";
        } else {
            String management = t.get("spec", "networkPolicyManagement");
            Map<String, Object> policy = t.get("spec", "networkPolicy");
            if ("Unmanaged".equals(management)) {
                opening = null; // ours is the only policy for the pod
            } else if (policy == null) {
                opening = "its template leaves networkPolicy out, so the controller's default policy allows egress to the public internet";
            } else {
                List<?> in = (List<?>) policy.get("ingress");
                List<?> out = (List<?>) policy.get("egress");
                opening = (in != null && !in.isEmpty()) || (out != null && !out.isEmpty())
                        ? "its template's networkPolicy allows traffic (policies add up: ours cannot take that back)" : null;
            }
        }
        return new PoolState(true, pods == null ? 0 : pods.intValue(), templateName, opening);
    }

    /** {@link #templateAndPool} as YAML documents, for kubectl apply. */
    public static String templateYaml(String name, int replicas, String image, dev.agentsandbox.config.Tier tier,
                                      dev.agentsandbox.sandbox.Limits limits, KubernetesSettings settings) {
        if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("name '" + name + "' is not a Kubernetes object name (lower case letters, digits and '-')");
        }
        var yaml = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
        return templateAndPool(name, replicas, PodSpecs.warm(image, tier, limits, settings), settings.namespace()).stream()
                .map(yaml::asYaml).collect(Collectors.joining());
    }

    /** Deletes the claim: the controller deletes its Sandbox and pod, and Kubernetes our policy, which the claim owns. */
    void release(String name) {
        client.genericKubernetesResources(CLAIMS).inNamespace(settings.namespace()).withName(name).withGracePeriod(0).delete();
    }

    List<GenericKubernetesResource> claims(String label, String value) {
        return client.genericKubernetesResources(CLAIMS).inNamespace(settings.namespace()).withLabel(label, value).list().getItems();
    }
}
