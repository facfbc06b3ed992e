package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.host.HostVariables;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the Kubernetes backend makes its pods.
 *
 * @param namespace the namespace of the sandbox pods (the CI job's own, usually)
 * @param gvisorRuntimeClass the RuntimeClass that gives the gvisor tier
 * @param microvmRuntimeClass the RuntimeClass that gives the microvm tier (Kata)
 * @param diskBytes the size of each writable folder's emptyDir (the disk quota), also the pod's ephemeral-storage limit
 * @param imagePullPolicy as the pod spec takes it (IfNotPresent, Never, Always)
 * @param scheduleTimeout how long a pod may take to be scheduled and to start its first container
 * @param ownerPod the CI job's own pod (downward API), made the owner of each sandbox pod so that
 *     Kubernetes deletes them with it; null when the job is not a pod in this namespace
 * @param warmPool a SandboxWarmPool of kubernetes-sigs/agent-sandbox whose pods the sandboxes are
 *     claimed from (its template made by {@code agent-sandbox kubernetes-template}); null: plain pods
 * @param egressEnforcedBy what keeps a pod that has a network from reaching out (the network plugin
 *     enforcing the deny-all NetworkPolicy, e.g. "cilium"), named by the platform team; null: a pod
 *     with any interface besides loopback is refused
 * @param placement nodes, taints, priority and pull secrets for the pods
 */
public record KubernetesSettings(String namespace, String gvisorRuntimeClass, String microvmRuntimeClass, long diskBytes,
                                 String imagePullPolicy, Duration scheduleTimeout, String ownerPod, String warmPool, String egressEnforcedBy,
                                 Placement placement) {
    public static final String DEFAULT_GVISOR_CLASS = "gvisor";
    public static final String DEFAULT_MICROVM_CLASS = "kata";

    public KubernetesSettings(String namespace, String gvisorRuntimeClass, String microvmRuntimeClass, long diskBytes,
                              String imagePullPolicy, Duration scheduleTimeout, String ownerPod, String warmPool) {
        this(namespace, gvisorRuntimeClass, microvmRuntimeClass, diskBytes, imagePullPolicy, scheduleTimeout, ownerPod, warmPool, null);
    }

    public KubernetesSettings(String namespace, String gvisorRuntimeClass, String microvmRuntimeClass, long diskBytes,
                              String imagePullPolicy, Duration scheduleTimeout, String ownerPod, String warmPool, String egressEnforcedBy) {
        this(namespace, gvisorRuntimeClass, microvmRuntimeClass, diskBytes, imagePullPolicy, scheduleTimeout, ownerPod, warmPool, egressEnforcedBy,
                Placement.NONE);
    }

    public KubernetesSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(gvisorRuntimeClass, "gvisorRuntimeClass");
        Objects.requireNonNull(microvmRuntimeClass, "microvmRuntimeClass");
        Objects.requireNonNull(scheduleTimeout, "scheduleTimeout");
        placement = placement == null ? Placement.NONE : placement;
        if (diskBytes <= 0) {
            throw new IllegalArgumentException("the disk quota must be positive");
        }
        if (!java.util.Set.of("IfNotPresent", "Never", "Always").contains(imagePullPolicy)) {
            throw new IllegalArgumentException("image pull policy '" + imagePullPolicy + "': use IfNotPresent, Never or Always");
        }
        if (warmPool != null && !warmPool.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw new IllegalArgumentException("warm pool '" + warmPool + "' (AGENT_SANDBOX_K8S_WARM_POOL) is not a Kubernetes object name");
        }
    }

    /**
     * From the environment: AGENT_SANDBOX_K8S_NAMESPACE (else the pod's own namespace file, else
     * "default"), AGENT_SANDBOX_K8S_RUNTIME_CLASS, AGENT_SANDBOX_K8S_MICROVM_RUNTIME_CLASS,
     * AGENT_SANDBOX_K8S_IMAGE_PULL_POLICY, AGENT_SANDBOX_K8S_OWNER_POD (else POD_NAME),
     * AGENT_SANDBOX_K8S_WARM_POOL, AGENT_SANDBOX_K8S_EGRESS_ENFORCED_BY, and the {@link Placement} variables.
     */
    public static KubernetesSettings fromEnvironment(java.util.Map<String, String> env, String namespaceFile, long diskBytes) {
        String ns = env.get(HostVariables.K8S_NAMESPACE);
        if (ns == null) {
            try {
                ns = java.nio.file.Files.readString(java.nio.file.Path.of(namespaceFile)).strip();
            } catch (java.io.IOException e) {
                ns = null;
            }
        }
        return new KubernetesSettings(ns == null || ns.isBlank() ? "default" : ns,
                env.getOrDefault(HostVariables.K8S_RUNTIME_CLASS, DEFAULT_GVISOR_CLASS),
                env.getOrDefault(HostVariables.K8S_MICROVM_RUNTIME_CLASS, DEFAULT_MICROVM_CLASS), diskBytes,
                env.getOrDefault(HostVariables.K8S_IMAGE_PULL_POLICY, "IfNotPresent"), Duration.ofMinutes(5),
                env.getOrDefault(HostVariables.K8S_OWNER_POD, env.get("POD_NAME")), blankToNull(env.get(HostVariables.K8S_WARM_POOL)),
                blankToNull(env.get(HostVariables.K8S_EGRESS_ENFORCED_BY)), Placement.fromEnvironment(env));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
