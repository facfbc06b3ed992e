package dev.agentsandbox.sandbox.kubernetes;

import static dev.agentsandbox.sandbox.kubernetes.KubernetesSandbox.firstLine;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The sandbox's side of a warm pool: claiming a pod, checking it up to the command's start, and giving it back. */
final class WarmPods {
    /** A warm pool's pod in use and the claim it was handed over for; the pod is deleted directly, not left to the controller. */
    private record Held(Pod pod, WarmPool.Claim claim) {
    }

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final WarmPool warm;
    private final PodFiles files;
    private final ClusterChecks checks;
    /** Claim name to what it holds. */
    private final Map<String, Held> warmPods = new ConcurrentHashMap<>();

    WarmPods(KubernetesClient client, KubernetesSettings settings, WarmPool warm, PodFiles files, ClusterChecks checks) {
        this.client = client;
        this.settings = settings;
        this.warm = warm;
        this.files = files;
        this.checks = checks;
    }

    /**
     * A warm pool's pod for this sandbox: the claim, our deny-all policy on the claim's label
     * (owned by the claim), the pod the controller hands over, checked to be the hardened one.
     */
    String claimWarmPod(String name, SandboxSpec spec) throws InfrastructureException, InterruptedException {
        WarmPool.Claim claim;
        try {
            claim = warm.claim(name, spec);
        } catch (KubernetesClientException e) {
            throw new InfrastructureException("cannot claim a pod of warm pool " + settings.warmPool() + ": " + firstLine(e.getMessage())
                    + (e.getCode() == 404 ? " (the cluster has no SandboxClaim API: install kubernetes-sigs/agent-sandbox with its extensions,"
                    + " or unset AGENT_SANDBOX_K8S_WARM_POOL for plain pods)" : ""), e);
        }
        client.network().v1().networkPolicies().inNamespace(settings.namespace())
                .resource(PodSpecs.denyAll(name, spec, settings.namespace(), Map.of(WarmPool.CLAIM_UID_LABEL, claim.uid()))).create();
        KubernetesSandbox.adoptPolicy(client, settings.namespace(), name, WarmPool.EXTENSIONS + "/" + WarmPool.VERSION, "SandboxClaim", claim.uid());
        String podName = warm.awaitPod(claim);
        Pod pod = warm.awaitClaimLabel(podName, claim);
        if (pod == null) {
            throw new InfrastructureException("the warm pool's pod " + podName + " for claim " + name + " is gone; nothing is committed");
        }
        warmPods.put(name, new Held(pod, claim));
        warm.verify(pod, spec, claim);
        checks.requireNoOpeningPolicy(pod.getMetadata().getLabels());
        return podName;
    }

    /** Just before the command may start: still the pod checked (its uid), still the hardened pod, still selected by our policy. */
    void reverify(String name, SandboxSpec spec) throws InfrastructureException {
        Held held = warmPods.get(name);
        Pod checked = held.pod();
        Pod now = client.pods().inNamespace(settings.namespace()).withName(checked.getMetadata().getName()).get();
        if (now == null || !now.getMetadata().getUid().equals(checked.getMetadata().getUid())) {
            throw new InfrastructureException("the warm pool's pod " + checked.getMetadata().getName() + " was replaced or deleted after it was"
                    + " checked; the command did not run");
        }
        warm.verify(now, spec, held.claim());
    }

    void uploadRunScript(String podName, SandboxSpec spec) throws IOException, InterruptedException, InfrastructureException {
        String script;
        try {
            script = PodSpecs.runScript(spec);
        } catch (IllegalArgumentException e) {
            throw new InfrastructureException("cannot run this sandbox in a warm pod: " + e.getMessage(), e);
        }
        Path dir = Files.createTempDirectory("agent-sandbox-run-");
        try {
            Files.writeString(dir.resolve("run.sh"), script);
            files.upload(podName, PodSpecs.LOADER, dir, PodSpecs.CONTROL);
        } finally {
            dev.agentsandbox.workspace.Folders.empty(dir);
            Files.delete(dir);
        }
    }

    /** Drops the claim's pod from those held and names it (null if none was handed over yet), for the caller to delete. */
    String forget(String name) {
        Held held = warmPods.remove(name);
        return held == null ? null : held.pod().getMetadata().getName();
    }

    void releaseClaim(String name) {
        try {
            warm.release(name);
        } catch (KubernetesClientException e) {
            System.err.println("agent-sandbox: cannot delete SandboxClaim " + name + ": " + firstLine(e.getMessage()));
        }
    }

    /** Releases the claims of a run. */
    void releaseRun(String runId) {
        for (var c : warm.claims(Labels.RUN, runId)) {
            releaseClaim(c.getMetadata().getName());
        }
    }

    /** Releases the claims runs left (all of them with {@code all}), adding the names of those kept to {@code kept}; returns how many went. */
    int releaseLeft(boolean all, List<String> kept) {
        int n = 0;
        for (var c : warm.claims(Labels.MANAGED, "true")) {
            Map<String, String> a = c.getMetadata().getAnnotations() == null ? Map.of() : c.getMetadata().getAnnotations();
            if (all || Labels.creatorIsGone(a)) {
                releaseClaim(c.getMetadata().getName());
                n++;
            } else {
                kept.add(c.getMetadata().getName());
            }
        }
        return n;
    }
}
