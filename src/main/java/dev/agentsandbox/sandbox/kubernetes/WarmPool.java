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
    static final String EXTENSIONS = "extensions.agents.x-k8s.io";
    static final String AGENTS = "agents.x-k8s.io";
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
        lifecycle.put("shutdownTime", Instant.now().plus(spec.limits().timeout()).plusSeconds(PodSpecs.DEADLINE_SLACK_SECONDS)
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
                        + " (is the SandboxWarmPool there, with ready pods, and the agent-sandbox controller running?)");
            }
            Thread.sleep(KubernetesSandbox.POLL.toMillis());
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
        for (int i = 0; i < spec.mounts().size(); i++) {
            var m = spec.mounts().get(i);
            if (i >= PodSpecs.WARM_SLOTS.size() || !PodSpecs.WARM_SLOTS.get(i).equals(new PodSpecs.Slot(m.containerPath(), m.readOnly()))) {
                throw new InfrastructureException("a warm pool's pods have " + PodSpecs.WARM_SLOTS + " as folders, and this sandbox needs "
                        + m.containerPath() + (m.readOnly() ? " read-only" : " writable") + " as folder " + i
                        + ": run it with plain pods (unset AGENT_SANDBOX_K8S_WARM_POOL)");
            }
        }
        if (!diff.isEmpty()) {
            throw new InfrastructureException("the warm pool " + settings.warmPool() + " handed over pod " + pod.getMetadata().getName()
                    + ", which is not the hardened pod this run needs: " + String.join("; ", diff) + ". Make the pool's SandboxTemplate with"
                    + " `agent-sandbox kubernetes-template --image " + spec.image() + "` (and this run's limits); nothing of the run went in");
        }
    }

    /** Where {@code actual} is weaker than, or other than, {@code expected}: what the run would not get. */
    static List<String> differences(Pod expected, Pod actual) {
        List<String> d = new ArrayList<>();
        PodSpec e = expected.getSpec();
        PodSpec a = actual.getSpec();
        same(d, "runtimeClassName", e.getRuntimeClassName(), a.getRuntimeClassName());
        same(d, "automountServiceAccountToken", Boolean.FALSE, a.getAutomountServiceAccountToken());
        same(d, "enableServiceLinks", Boolean.FALSE, a.getEnableServiceLinks());
        for (var f : Map.<String, Function<PodSpec, Boolean>>of("hostNetwork", PodSpec::getHostNetwork, "hostPID", PodSpec::getHostPID,
                "hostIPC", PodSpec::getHostIPC, "shareProcessNamespace", PodSpec::getShareProcessNamespace).entrySet()) {
            if (Boolean.TRUE.equals(f.getValue().apply(a))) {
                d.add(f.getKey() + " is true");
            }
        }
        fields(d, "securityContext", e.getSecurityContext(), a.getSecurityContext());
        if (a.getEphemeralContainers() != null && !a.getEphemeralContainers().isEmpty()) {
            d.add("it has ephemeral containers");
        }
        containers(d, "initContainers", e.getInitContainers(), a.getInitContainers());
        containers(d, "containers", e.getContainers(), a.getContainers());
        Map<String, Volume> ev = byName(e.getVolumes(), Volume::getName);
        Map<String, Volume> av = byName(a.getVolumes(), Volume::getName);
        if (!ev.keySet().equals(av.keySet())) {
            d.add("volumes are " + av.keySet() + ", not " + ev.keySet());
        }
        for (var x : ev.entrySet()) {
            Volume v = av.get(x.getKey());
            if (v == null) {
                continue;
            }
            Volume rest = new VolumeBuilder(v).withName(null).withEmptyDir(null).build();
            if (v.getEmptyDir() == null || !rest.equals(new Volume())) {
                d.add("volume " + x.getKey() + " is not an emptyDir");
            } else {
                same(d, "volume " + x.getKey() + " medium", Objects.toString(x.getValue().getEmptyDir().getMedium(), ""),
                        Objects.toString(v.getEmptyDir().getMedium(), ""));
                atMost(d, "volume " + x.getKey() + " sizeLimit", x.getValue().getEmptyDir().getSizeLimit(), v.getEmptyDir().getSizeLimit());
            }
        }
        Map<String, String> ea = expected.getMetadata().getAnnotations() == null ? Map.of() : expected.getMetadata().getAnnotations();
        Map<String, String> aa = actual.getMetadata().getAnnotations() == null ? Map.of() : actual.getMetadata().getAnnotations();
        for (var x : ea.entrySet()) {
            if (x.getKey().startsWith(PodSpecs.GVISOR_MOUNT)) {
                same(d, "annotation " + x.getKey(), x.getValue(), aa.get(x.getKey()));
            }
        }
        return d;
    }

    private static void containers(List<String> d, String where, List<Container> expected, List<Container> actual) {
        Map<String, Container> e = byName(expected, Container::getName);
        Map<String, Container> a = byName(actual, Container::getName);
        if (!e.keySet().equals(a.keySet())) {
            d.add(where + " are " + a.keySet() + ", not " + e.keySet());
            return;
        }
        for (var x : e.entrySet()) {
            Container ec = x.getValue();
            Container ac = a.get(x.getKey());
            String w = where + "[" + x.getKey() + "]";
            same(d, w + ".image", ec.getImage(), ac.getImage());
            same(d, w + ".command", ec.getCommand(), ac.getCommand());
            same(d, w + ".args", List.of(), ac.getArgs() == null ? List.of() : ac.getArgs());
            if ((ac.getEnv() != null && !ac.getEnv().isEmpty()) || (ac.getEnvFrom() != null && !ac.getEnvFrom().isEmpty())) {
                d.add(w + " has an environment (a run's comes from the run alone)");
            }
            same(d, w + ".workingDir", ec.getWorkingDir(), ac.getWorkingDir() == null || ac.getWorkingDir().isEmpty() ? null : ac.getWorkingDir());
            fields(d, w + ".securityContext", ec.getSecurityContext(), ac.getSecurityContext());
            same(d, w + ".volumeMounts", mounts(ec.getVolumeMounts()), mounts(ac.getVolumeMounts()));
            Map<String, Quantity> el = ec.getResources().getLimits();
            Map<String, Quantity> al = ac.getResources() == null || ac.getResources().getLimits() == null ? Map.of() : ac.getResources().getLimits();
            for (var l : el.entrySet()) {
                atMost(d, w + ".resources.limits." + l.getKey(), l.getValue(), al.get(l.getKey()));
            }
        }
    }

    private static Set<String> mounts(List<VolumeMount> list) {
        Set<String> s = new TreeSet<>();
        for (VolumeMount m : list == null ? List.<VolumeMount>of() : list) {
            s.add(m.getName() + ":" + m.getMountPath() + (Boolean.TRUE.equals(m.getReadOnly()) ? ":ro" : ":rw")
                    + (m.getSubPath() == null || m.getSubPath().isEmpty() ? "" : ":subPath=" + m.getSubPath())
                    + (m.getSubPathExpr() == null || m.getSubPathExpr().isEmpty() ? "" : ":subPathExpr=" + m.getSubPathExpr())
                    + (m.getMountPropagation() == null || m.getMountPropagation().equals("None") ? "" : ":" + m.getMountPropagation()));
        }
        return s;
    }

    private static void atMost(List<String> d, String what, Quantity limit, Quantity actual) {
        if (limit == null) {
            return; // no limit of its own (the pod's ephemeral storage bounds it)
        }
        if (actual == null) {
            d.add(what + " is not set (expected at most " + limit + ")");
            return;
        }
        BigDecimal a = Quantity.getAmountInBytes(actual);
        if (a.compareTo(Quantity.getAmountInBytes(limit)) > 0 || a.signum() <= 0) {
            d.add(what + " is " + actual + ", more than the run's " + limit);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Each field where the two differ, by its path (a security context: what exactly is weaker). */
    private static void fields(List<String> d, String what, Object expected, Object actual) {
        Map<String, Object> e = new java.util.TreeMap<>();
        Map<String, Object> a = new java.util.TreeMap<>();
        flatten(what, JSON.convertValue(expected, Object.class), e);
        flatten(what, JSON.convertValue(actual, Object.class), a);
        Set<String> keys = new TreeSet<>(e.keySet());
        keys.addAll(a.keySet());
        for (String k : keys) {
            same(d, k, e.get(k), a.get(k));
        }
    }

    private static void flatten(String path, Object value, Map<String, Object> into) {
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(path + "." + k, v, into));
        } else if (value instanceof List<?> l && l.isEmpty()) {
            return; // as absent
        } else if (value != null) {
            into.put(path, value);
        }
    }

    private static <T> Map<String, T> byName(List<T> list, Function<T, String> name) {
        Map<String, T> m = new LinkedHashMap<>();
        for (T t : list == null ? List.<T>of() : list) {
            m.put(name.apply(t), t);
        }
        return m;
    }

    private static void same(List<String> d, String what, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            d.add(what + " is " + actual + ", not " + expected);
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
     * What doctor reports of a pool: whether it is there, how many pods are ready, and what in its
     * template's network policy would open the pods (null: nothing).
     */
    public record PoolState(boolean exists, int ready, String template, String openingPolicy) {
    }

    public static PoolState inspect(KubernetesClient client, String namespace, String pool) {
        GenericKubernetesResource p = client.genericKubernetesResources(POOLS).inNamespace(namespace).withName(pool).get();
        if (p == null) {
            return new PoolState(false, 0, null, null);
        }
        Number ready = p.get("status", "readyReplicas");
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
        return new PoolState(true, ready == null ? 0 : ready.intValue(), templateName, opening);
    }

    /** The permissions a run on a warm pool needs besides the plain ones, as (verb, group, resource). */
    public static final List<String[]> PERMISSIONS = List.of(new String[] {"create", EXTENSIONS, "sandboxclaims"},
            new String[] {"get", EXTENSIONS, "sandboxclaims"}, new String[] {"list", EXTENSIONS, "sandboxclaims"},
            new String[] {"delete", EXTENSIONS, "sandboxclaims"}, new String[] {"get", AGENTS, "sandboxes"},
            new String[] {"get", EXTENSIONS, "sandboxwarmpools"}, new String[] {"get", EXTENSIONS, "sandboxtemplates"});

    /** {@link #templateAndPool} as YAML documents, for kubectl apply. */
    public static String templateYaml(String name, int replicas, String image, dev.agentsandbox.sandbox.Tier tier,
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
