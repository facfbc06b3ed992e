package dev.agentsandbox.sandbox.kubernetes;

import static dev.agentsandbox.sandbox.kubernetes.KubernetesSandbox.firstLine;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What is checked of the cluster and of the spec before a sandbox's pod is made. */
final class ClusterChecks {
    private final KubernetesClient client;
    private final KubernetesSettings settings;
    /** The warm pool whose slots are checked, or null. */
    private final WarmPool warm;
    private final Set<String> runtimeClassesSeen = ConcurrentHashMap.newKeySet();

    ClusterChecks(KubernetesClient client, KubernetesSettings settings, WarmPool warm) {
        this.client = client;
        this.settings = settings;
        this.warm = warm;
    }

    /** The isolation the cluster must give, checked before any pod is made; overlays do not cross the API. */
    void requireSupported(SandboxSpec spec, boolean traceAsked) throws InfrastructureException {
        if (!spec.user().equals(dev.agentsandbox.sandbox.SandboxUser.NOBODY)) {
            // Pods get copies of their trees and run as 65534; a runner's checkout is the docker backend's alone.
            throw new IllegalStateException("a pod runs as uid 65534; a workspace on the runner's checkout is for the docker backend");
        }
        if (!spec.hosts().isEmpty()) {
            throw new InfrastructureException("checks.*.services run on the docker backend only: the kubernetes backend has no"
                    + " sandbox-to-sandbox sockets yet; run the check on the docker backend or drop its services");
        }
        if (traceAsked) {
            throw new InfrastructureException("the process log (sandbox.process-log, on by default) records the agent's programs with runsc's"
                    + " trace on the host, which the kubernetes backend cannot attach to a pod yet; set sandbox.process-log: false in"
                    + " .agent-sandbox.yml to run on Kubernetes without it, or run on the docker backend");
        }
        String rc = PodSpecs.runtimeClass(spec, settings);
        if (rc != null && !runtimeClassesSeen.contains(rc)) {
            try {
                if (client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class).withName(rc).get() == null) {
                    throw new InfrastructureException("the cluster has no RuntimeClass '" + rc + "', which the " + spec.tier().id()
                            + " tier needs: install gVisor on the nodes and create the RuntimeClass (see docs/kubernetes.md), or set"
                            + " AGENT_SANDBOX_K8S_RUNTIME_CLASS to the one the cluster has; the sandbox never runs with less isolation");
                }
            } catch (KubernetesClientException e) {
                throw new InfrastructureException("cannot read RuntimeClass '" + rc + "': " + firstLine(e.getMessage())
                        + " (the service account needs get on runtimeclasses.node.k8s.io)", e);
            }
            runtimeClassesSeen.add(rc);
        }
        try {
            requireNoOpeningPolicy(PodSpecs.labels("x", spec));
        } catch (KubernetesClientException e) {
            throw new InfrastructureException("cannot read the NetworkPolicies of namespace " + settings.namespace() + ": " + firstLine(e.getMessage())
                    + " (the service account needs list on networkpolicies)", e);
        }
        if (warm != null) {
            warm.requireSlots(spec);
        }
        for (Mount m : spec.mounts()) {
            if (m.overlay() != null) {
                throw new InfrastructureException("the Kubernetes backend takes private copies, not overlays: run with --workspace copy");
            }
            if (!Files.isDirectory(m.hostPath(), LinkOption.NOFOLLOW_LINKS)) {
                throw new InfrastructureException("the Kubernetes backend streams folders into pods, and " + m.hostPath() + " (for "
                        + m.containerPath() + ") is not one");
            }
        }
    }

    /**
     * NetworkPolicies add up: a policy of the namespace's that selects the sandbox's pod and allows
     * any traffic would open it whatever ours denies. Such a namespace is refused; a dedicated one
     * (or one whose policies select other pods by label) is not.
     */
    void requireNoOpeningPolicy(Map<String, String> podLabels) throws InfrastructureException {
        Map<String, String> ours = podLabels == null ? Map.of() : podLabels;
        for (var np : client.network().v1().networkPolicies().inNamespace(settings.namespace()).list().getItems()) {
            var spec2 = np.getSpec();
            boolean allows = spec2 != null && ((spec2.getIngress() != null && !spec2.getIngress().isEmpty())
                    || (spec2.getEgress() != null && !spec2.getEgress().isEmpty()));
            var sel = spec2 == null ? null : spec2.getPodSelector();
            boolean selects = sel == null || (sel.getMatchExpressions() != null && !sel.getMatchExpressions().isEmpty())
                    || (sel.getMatchLabels() == null ? Map.<String, String>of() : sel.getMatchLabels()).entrySet().stream()
                            .allMatch(e -> e.getValue().equals(ours.get(e.getKey())) || e.getKey().equals(PodSpecs.SANDBOX_LABEL));
            if (allows && selects) {
                throw new InfrastructureException("the NetworkPolicy " + np.getMetadata().getName() + " in namespace " + settings.namespace()
                        + " allows traffic to or from pods it may select, the sandbox's among them (policies add up: ours cannot take"
                        + " that back); run the sandboxes in a namespace of their own (AGENT_SANDBOX_K8S_NAMESPACE)");
            }
        }
    }
}
