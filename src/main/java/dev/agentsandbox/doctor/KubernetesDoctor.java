package dev.agentsandbox.doctor;

import dev.agentsandbox.config.Tier;
import dev.agentsandbox.sandbox.kubernetes.WarmPool;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code doctor --backend kubernetes}: the API answers, the RuntimeClass of the tier exists, the
 * NetworkPolicy API is served, and the job's identity may do what a run does (each asked with a
 * SelfSubjectAccessReview). The smoke pod is run by the caller, through the backend itself.
 */
public final class KubernetesDoctor {
    /** What a run does, as (verb, group, resource, subresource). */
    static final List<String[]> PERMISSIONS = List.of(
            new String[] {"create", "", "pods", ""}, new String[] {"get", "", "pods", ""}, new String[] {"list", "", "pods", ""},
            new String[] {"delete", "", "pods", ""}, new String[] {"deletecollection", "", "pods", ""}, new String[] {"create", "", "pods", "exec"},
            new String[] {"get", "", "pods", "log"},
            new String[] {"create", "networking.k8s.io", "networkpolicies", ""}, new String[] {"get", "networking.k8s.io", "networkpolicies", ""},
            new String[] {"list", "networking.k8s.io", "networkpolicies", ""}, new String[] {"patch", "networking.k8s.io", "networkpolicies", ""},
            new String[] {"delete", "networking.k8s.io", "networkpolicies", ""});
    /** What a run on a warm pool does besides: claim a pod, read its Sandbox; and what doctor reads of the pool. */
    static final List<String[]> WARM_POOL_PERMISSIONS = List.of(new String[] {"create", WarmPool.EXTENSIONS, "sandboxclaims", ""},
            new String[] {"get", WarmPool.EXTENSIONS, "sandboxclaims", ""}, new String[] {"list", WarmPool.EXTENSIONS, "sandboxclaims", ""},
            new String[] {"delete", WarmPool.EXTENSIONS, "sandboxclaims", ""}, new String[] {"get", WarmPool.AGENTS, "sandboxes", ""},
            new String[] {"get", WarmPool.EXTENSIONS, "sandboxwarmpools", ""}, new String[] {"get", WarmPool.EXTENSIONS, "sandboxtemplates", ""});

    private final KubernetesClient client;
    private final String namespace;
    private final String runtimeClass;
    private final Tier tier;

    public KubernetesDoctor(KubernetesClient client, String namespace, String runtimeClass, Tier tier) {
        this.client = client;
        this.namespace = namespace;
        this.runtimeClass = runtimeClass;
        this.tier = tier;
    }

    /** A pod that runs {@code true} from the image, through the backend as a run makes it. */
    public static Check smoke(dev.agentsandbox.sandbox.SandboxBackend backend, String image, Tier tier, String runtime) {
        try {
            java.nio.file.Path ws = java.nio.file.Files.createTempDirectory("agent-sandbox-doctor");
            try {
                var spec = new dev.agentsandbox.sandbox.SandboxSpec("doctor", "smoke", image, List.of("true"), "/workspace", java.util.Map.of(),
                        List.of(new dev.agentsandbox.sandbox.Mount(ws, "/workspace", true)), tier, runtime,
                        new dev.agentsandbox.sandbox.Limits(0.5, 128L << 20, 64, 16L << 20, java.time.Duration.ofMinutes(2), 1 << 16), null);
                var r = backend.run(spec, dev.agentsandbox.sandbox.OutputListener.NONE);
                return r.succeeded() ? Check.ok("smoke pod", image + " ran `true` in " + r.timings().total().toMillis() + " ms")
                        : Check.fail("smoke pod", image + " ended " + r.ending().id() + " with exit " + r.exitCode() + ": " + r.output().strip(),
                                "check the image has sh, tar and sleep, and that the nodes can pull it");
            } finally {
                java.nio.file.Files.deleteIfExists(ws);
            }
        } catch (Exception e) {
            return Check.fail("smoke pod", e.getMessage(), "see the message; `agent-sandbox cleanup --backend kubernetes` removes what is left");
        }
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        try {
            var v = client.getKubernetesVersion();
            checks.add(Check.ok("kubernetes api", v.getGitVersion() + " at " + client.getMasterUrl() + ", namespace " + namespace));
        } catch (KubernetesClientException e) {
            checks.add(Check.fail("kubernetes api", "no answer from " + client.getMasterUrl() + ": " + e.getMessage(),
                    "check the kubeconfig (KUBECONFIG) or, in a pod, its service account"));
            return checks;
        }
        if (runtimeClass == null) {
            checks.add(Check.warn("runtime class", "the " + tier.id() + " tier runs pods on the nodes' default runtime (runc): the host's kernel",
                    "use the gvisor tier for untrusted agents"));
        } else {
            try {
                RuntimeClass rc = client.resources(RuntimeClass.class).withName(runtimeClass).get();
                checks.add(rc == null
                        ? Check.fail("runtime class", "no RuntimeClass '" + runtimeClass + "' (the " + tier.id() + " tier needs it)",
                                "install gVisor on the nodes and create the RuntimeClass (docs/kubernetes.md), or set AGENT_SANDBOX_K8S_RUNTIME_CLASS")
                        : Check.ok("runtime class", runtimeClass + " (handler " + rc.getHandler() + ")"));
            } catch (KubernetesClientException e) {
                checks.add(Check.fail("runtime class", "cannot read RuntimeClass '" + runtimeClass + "': " + e.getMessage(),
                        "grant get on runtimeclasses.node.k8s.io (a ClusterRole; docs/kubernetes.md)"));
            }
        }
        checks.add(client.supports(NetworkPolicy.class)
                ? Check.ok("network policy", "the API serves networking.k8s.io/v1 NetworkPolicy; whether the network plugin enforces it is not"
                        + " visible here: the boundary probe fails any run whose pod has a network interface besides lo")
                : Check.fail("network policy", "the API does not serve networking.k8s.io/v1 NetworkPolicy", "use a cluster whose network plugin enforces NetworkPolicy"));
        List<String> denied = denied(PERMISSIONS);
        checks.add(denied.isEmpty()
                ? Check.ok("permissions", "may create, watch, exec into and delete pods and NetworkPolicies in " + namespace)
                : Check.fail("permissions", "not allowed in " + namespace + ": " + String.join(", ", denied),
                        "bind the Role in docs/kubernetes.md to the job's service account"));
        return checks;
    }

    private List<String> denied(List<String[]> permissions) {
        List<String> denied = new ArrayList<>();
        for (String[] p : permissions) {
            String sub = p[3].isEmpty() ? null : p[3];
            String what = p[0] + " " + p[2] + (sub == null ? "" : "/" + sub);
            try {
                SelfSubjectAccessReview r = client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                        .withNewSpec().withNewResourceAttributes().withNamespace(namespace).withVerb(p[0]).withGroup(p[1]).withResource(p[2])
                        .withSubresource(sub).endResourceAttributes().endSpec().build());
                if (r.getStatus() == null || !Boolean.TRUE.equals(r.getStatus().getAllowed())) {
                    denied.add(what);
                }
            } catch (KubernetesClientException e) {
                denied.add(what + " (" + e.getCode() + ")");
            }
        }
        return denied;
    }

    /** With AGENT_SANDBOX_K8S_WARM_POOL: the pool, its template's network policy, and the rights a claim needs. */
    public List<Check> warmPool(String pool) {
        List<Check> checks = new ArrayList<>();
        try {
            WarmPool.PoolState s = WarmPool.inspect(client, namespace, pool);
            if (!s.exists()) {
                checks.add(Check.fail("warm pool", "no SandboxWarmPool '" + pool + "' in " + namespace,
                        "apply the output of `agent-sandbox kubernetes-template --image IMAGE --name " + pool + "`, or unset AGENT_SANDBOX_K8S_WARM_POOL"));
            } else if (s.openingPolicy() != null) {
                checks.add(Check.fail("warm pool", pool + ": " + s.openingPolicy(), "give the template `networkPolicy: {}` (kubernetes-template does)"));
            } else {
                checks.add(s.pods() > 0 ? Check.ok("warm pool", pool + " (template " + s.template() + "): " + s.pods() + " pod(s) waiting")
                        : Check.warn("warm pool", pool + " (template " + s.template() + ") holds no pod yet: a claim starts one cold",
                                "check the pool's pods (kubectl describe sandboxwarmpool " + pool + ")"));
            }
        } catch (KubernetesClientException e) {
            checks.add(Check.fail("warm pool", "cannot read SandboxWarmPool '" + pool + "': " + e.getMessage(), e.getCode() == 404
                    ? "install kubernetes-sigs/agent-sandbox with its extensions" : "grant get on sandboxwarmpools and sandboxtemplates"));
        }
        List<String> denied = denied(WARM_POOL_PERMISSIONS);
        checks.add(denied.isEmpty() ? Check.ok("warm pool permissions", "may claim pods of " + pool)
                : Check.fail("warm pool permissions", "not allowed in " + namespace + ": " + String.join(", ", denied),
                        "bind the warm pool rules of docs/kubernetes/rbac.yaml to the job's service account"));
        return checks;
    }
}
