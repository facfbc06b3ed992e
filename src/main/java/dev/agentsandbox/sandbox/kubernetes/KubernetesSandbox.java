package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputCapture;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Kubernetes backend: one pod per sandbox ({@link PodSpecs}) behind a NetworkPolicy that
 * denies all traffic, the folders streamed in and the writable ones streamed back with the exec
 * API (no shared disk), the command's output read from the pod's log, the pod and its policy
 * deleted on every path. A cluster without the RuntimeClass of the tier asked for is refused
 * before any pod is made. Each call to {@link #run} is a fresh pod, so each check gets its own.
 */
public final class KubernetesSandbox implements SandboxBackend {
    static final int MAX_ENTRIES = 1_000_000;

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final PodFiles files;
    private final SecureRandom random = new SecureRandom();
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private volatile boolean traceAsked;
    /** Where pods come from when not made here: a warm pool of kubernetes-sigs/agent-sandbox, or null. */
    private final WarmPods warm;
    private final ClusterChecks checks;
    private final PodWatch watch;

    KubernetesSandbox(KubernetesClient client, KubernetesSettings settings, PodFiles files) {
        this.client = client;
        this.settings = settings;
        this.files = files;
        WarmPool pool = settings.warmPool() == null ? null : new WarmPool(client, settings);
        this.checks = new ClusterChecks(client, settings, pool);
        this.warm = pool == null ? null : new WarmPods(client, settings, pool, files, checks);
        this.watch = new PodWatch(client, settings);
    }

    /** Connects with the usual kubeconfig or in-cluster configuration and checks the API answers. */
    public static KubernetesSandbox connect(KubernetesSettings settings) throws InfrastructureException {
        return open(newClient(), settings);
    }

    /** A client on the kubeconfig (or the pod's service account), whose few quick retries ride out a blip: a lost API fails a run in seconds, not minutes. */
    public static KubernetesClient newClient() {
        io.fabric8.kubernetes.client.Config config = new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.autoConfigure(null))
                .withRequestRetryBackoffLimit(4).withRequestRetryBackoffInterval(250).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    public static KubernetesSandbox open(KubernetesClient client, KubernetesSettings settings) throws InfrastructureException {
        try {
            client.getKubernetesVersion();
        } catch (KubernetesClientException e) {
            client.close();
            throw new InfrastructureException("cannot reach the Kubernetes API server at " + client.getMasterUrl() + ": " + e.getMessage()
                    + " (check the kubeconfig or the pod's service account)", e);
        }
        return new KubernetesSandbox(client, settings, new ExecPodFiles(client, settings.namespace()));
    }

    KubernetesClient client() {
        return client;
    }

    /** Pods are not traced yet (runsc's trace session is on the node): a run that asks for the process log is refused in {@link #run}. */
    @Override
    public void traceProcesses(Path dir) {
        traceAsked = true;
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public SandboxResult run(SandboxSpec spec, OutputListener output) throws InfrastructureException {
        checks.requireSupported(spec, traceAsked);
        Map<Integer, List<String>> sockets = SocketRelays.sockets(spec);
        List<SocketRelay> relays = new ArrayList<>();
        String name = "agent-sandbox-" + HexFormat.of().formatHex(random.generateSeed(6));
        OutputCapture capture = new OutputCapture(spec.redactor(), output, spec.limits().maxOutputBytes());
        long t0 = System.nanoTime();
        long t1 = t0;
        long t2 = t0;
        long t3 = t0;
        SandboxResult.Ending ending = SandboxResult.Ending.EXITED;
        int exitCode = -1;
        String imageId = null;
        live.add(name);
        String podName = name;
        PodEnvironment environment = null;
        String evicted = null;
        String network = null;
        try {
            if (warm == null) {
                client.network().v1().networkPolicies().inNamespace(settings.namespace()).resource(PodSpecs.denyAll(name, spec, settings.namespace())).create();
                Pod pod = client.pods().inNamespace(settings.namespace()).resource(PodSpecs.pod(name, spec, settings, ownerPod(), sockets.keySet())).create();
                adoptPolicy(client, settings.namespace(), name, "v1", "Pod", pod.getMetadata().getUid());
            } else {
                podName = warm.claimWarmPod(name, spec);
            }
            watch.awaitRunning(podName, PodSpecs.LOADER, true);
            t1 = System.nanoTime();
            for (int i = 0; i < spec.mounts().size(); i++) {
                files.upload(podName, PodSpecs.LOADER, spec.mounts().get(i).hostPath(), PodSpecs.staging(i));
            }
            if (warm != null) {
                warm.uploadRunScript(podName, spec);
            }
            // the command starts only once its deny-all policy is known to be in place
            if (client.network().v1().networkPolicies().inNamespace(settings.namespace()).withName(name).get() == null) {
                throw new InfrastructureException("the sandbox's NetworkPolicy " + name + " was deleted before its command ran; the command"
                        + " did not run. Was `agent-sandbox cleanup --all` run meanwhile? Run it again");
            }
            if (warm != null) {
                warm.reverify(name, spec);
            }
            network = NetworkProof.require(files, podName, String.valueOf(PodSpecs.runtimeClass(spec, settings)), settings.egressEnforcedBy());
            environment = PodEnvironment.read(client.pods().inNamespace(settings.namespace()).withName(podName).get(), spec,
                    files.environmentNames(podName, PodSpecs.LOADER));
            files.touch(podName, PodSpecs.LOADER, PodSpecs.LOADED);
            watch.awaitRunning(podName, PodSpecs.SANDBOX, false);
            SocketRelays.relay(files, watch, podName, spec, sockets, relays);
            t2 = System.nanoTime();
            Thread reader = watch.readLog(podName, capture);
            ContainerStateTerminated end = watch.awaitTerminated(podName, t2 + spec.limits().timeout().toNanos());
            t3 = System.nanoTime();
            if (end == null) {
                deletePod(podName); // before the relays close: the command ends before anything may wait on it
                ending = SandboxResult.Ending.TIMED_OUT;
                exitCode = 137;
            } else if (PodWatch.EVICTED.equals(end.getReason())) {
                exitCode = 137;
                evicted = end.getMessage();
            } else {
                exitCode = end.getExitCode() == null ? -1 : end.getExitCode();
                if ("OOMKilled".equals(end.getReason())) {
                    ending = SandboxResult.Ending.OUT_OF_MEMORY;
                }
                imageId = watch.imageId(podName);
            }
            SocketRelays.closeAll(relays);
            reader.join(Duration.ofSeconds(10).toMillis());
            reader.interrupt();
            if (end != null && evicted == null) {
                collect(podName, spec);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ending = SandboxResult.Ending.CANCELLED;
            t3 = System.nanoTime();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 422 || e.getCode() == 400) {
                // answered, not lost: a ResourceQuota, a LimitRange, an admission policy or RBAC said no
                throw new InfrastructureException("the Kubernetes API refused the sandbox (" + e.getCode() + "): " + firstLine(e.getMessage())
                        + ". Check the namespace's ResourceQuota and LimitRange, its admission policies and the run's RBAC"
                        + " (docs/kubernetes.md); nothing is committed", e);
            }
            throw new InfrastructureException("lost the Kubernetes API server while the sandbox ran: " + firstLine(e.getMessage())
                    + " (the pod ends at its deadline; `agent-sandbox cleanup --backend kubernetes` removes what is left); nothing is committed", e);
        } catch (TarTransfer.Refused e) {
            throw new InfrastructureException("refused what the sandbox left: " + e.getMessage() + "; nothing is committed", e);
        } catch (IOException e) {
            throw new InfrastructureException("cannot move the sandbox's folders through the Kubernetes API: " + e.getMessage(), e);
        } finally {
            SocketRelays.closeAll(relays);
            remove(name);
        }
        long t4 = System.nanoTime();
        capture.finish();
        var timings = new SandboxResult.Timings(Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2), Duration.ofNanos(t4 - t3));
        return new SandboxResult(exitCode, ending, capture.output(), capture.totalBytes(), capture.truncated(), timings, imageId,
                describe(name, podName, spec, sockets, environment, evicted, network), false, 0, null);
    }

    private final java.util.concurrent.atomic.AtomicBoolean ownerWarned = new java.util.concurrent.atomic.AtomicBoolean();

    private OwnerReference ownerPod() {
        if (settings.ownerPod() == null) {
            return null;
        }
        Pod owner = client.pods().inNamespace(settings.namespace()).withName(settings.ownerPod()).get();
        if (owner == null) {
            // owner references never cross namespaces: said once, then the pods go at their deadline or by cleanup
            if (ownerWarned.compareAndSet(false, true)) {
                System.err.println("agent-sandbox: the CI job's pod " + settings.ownerPod() + " is not in namespace " + settings.namespace()
                        + " (an owner reference cannot cross namespaces): the sandbox pods are removed by the run, at their deadline,"
                        + " or by `agent-sandbox cleanup --backend kubernetes`, not with the job's pod");
            }
            return null;
        }
        return new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod").withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid()).withBlockOwnerDeletion(false).withController(false).build();
    }

    /** The policy goes with its owner (the pod, or a warm pod's claim): Kubernetes deletes it with it, even if this process is gone. */
    static void adoptPolicy(KubernetesClient client, String namespace, String name, String apiVersion, String kind, String uid) {
        OwnerReference ref = new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name)
                .withUid(uid).withBlockOwnerDeletion(false).withController(false).build();
        client.network().v1().networkPolicies().inNamespace(namespace).withName(name)
                .edit(np -> {
                    np.getMetadata().setOwnerReferences(List.of(ref));
                    return np;
                });
    }

    /** The writable folders, as the command left them, replace the host's copies. */
    private void collect(String name, SandboxSpec spec) throws IOException, InterruptedException {
        for (int i = 0; i < spec.mounts().size(); i++) {
            Mount m = spec.mounts().get(i);
            if (m.readOnly()) {
                continue;
            }
            dev.agentsandbox.workspace.Folders.empty(m.hostPath());
            files.download(name, PodSpecs.KEEPER, PodSpecs.staging(i), m.hostPath(), settings.diskBytes(), MAX_ENTRIES);
        }
    }

    private Map<String, Object> describe(String name, String podName, SandboxSpec spec, Map<Integer, List<String>> sockets,
            PodEnvironment environment, String evicted, String network) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("network", network);
        if (evicted != null) {
            // the pod's limits are this backend's disk quota (the CLI's side needs no loop device)
            m.put(SandboxResult.OVER_DISK_QUOTA, dev.agentsandbox.quota.DiskQuota.human(settings.diskBytes()) + " (evicted: " + evicted + ")");
        }
        if (environment != null) {
            m.putAll(environment.facts());
        }
        m.put("backend", "kubernetes");
        m.put("namespace", settings.namespace());
        m.put("pod", podName);
        if (warm != null) {
            m.put("warmPool", settings.warmPool());
            m.put("sandboxClaim", name);
        }
        m.put("runtimeClassName", String.valueOf(PodSpecs.runtimeClass(spec, settings)));
        m.put("runAsUser", 65534);
        m.put("readOnlyRootFilesystem", true);
        m.put("capabilitiesDropped", "ALL");
        m.put("allowPrivilegeEscalation", false);
        m.put("seccomp", "RuntimeDefault");
        m.put("automountServiceAccountToken", false);
        m.put("networkPolicy", "deny-all " + name);
        // what this backend cannot give as the Docker backend does, said rather than implied
        m.put("pidsLimit", "the node's (kubelet podPidsLimit); sandbox.pids (" + spec.limits().pids() + ") is not enforced per pod");
        m.put("tmp", "a memory emptyDir of " + spec.limits().tmpfsBytes() + " bytes; programs may run from it (emptyDir has no noexec)");
        m.put("relayedSockets", sockets.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(x -> spec.mounts().get(e.getKey()).containerPath() + "/" + x)).toList());
        return m;
    }

    private void deletePod(String name) {
        try {
            client.pods().inNamespace(settings.namespace()).withName(name).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            System.err.println("agent-sandbox: cannot delete pod " + name + ": " + firstLine(e.getMessage()));
        }
    }

    /** The pod and its policy go on every path; what cannot be deleted now is left to the pod's deadline and to cleanup. */
    private void remove(String name) {
        if (warm == null) {
            deletePod(name);
        } else {
            // the pod first: the controller deletes what a claim held when it gets to it, and the policy goes now
            String held = warm.forget(name);
            if (held != null) {
                deletePod(held);
            }
            warm.releaseClaim(name);
        }
        try {
            client.network().v1().networkPolicies().inNamespace(settings.namespace()).withName(name).delete();
        } catch (KubernetesClientException e) {
            System.err.println("agent-sandbox: cannot delete NetworkPolicy " + name + ": " + firstLine(e.getMessage()));
        }
        live.remove(name);
    }

    @Override
    public String servicesRuntime(dev.agentsandbox.config.Tier tier, String runtime) throws dev.agentsandbox.error.InfrastructureException {
        throw dev.agentsandbox.sandbox.SandboxBackend.noServices("kubernetes");
    }

    @Override
    public java.util.List<String> imageCommand(String image) throws dev.agentsandbox.error.InfrastructureException {
        throw dev.agentsandbox.sandbox.SandboxBackend.noServices("kubernetes");
    }

    @Override
    public void stop(String runId) throws InfrastructureException {
        try {
            client.pods().inNamespace(settings.namespace()).withLabel(Labels.RUN, runId).withGracePeriod(0).delete();
            if (warm != null) {
                warm.releaseRun(runId);
            }
        } catch (KubernetesClientException e) {
            throw new InfrastructureException("cannot stop the pods of run " + runId + ": " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * Deletes what runs left: with {@code all}, every pod and policy this tool made in the
     * namespace; else the pods that ended, and those whose creating process on this host is gone.
     */
    @Override
    public int cleanup(boolean all) throws InfrastructureException {
        try {
            int n = 0;
            List<String> kept = new ArrayList<>();
            if (warm != null) {
                n += warm.releaseLeft(all, kept);
            }
            for (Pod p : client.pods().inNamespace(settings.namespace()).withLabel(Labels.MANAGED, "true").list().getItems()) {
                String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
                Map<String, String> a = p.getMetadata().getAnnotations() == null ? Map.of() : p.getMetadata().getAnnotations();
                if (all || "Succeeded".equals(phase) || "Failed".equals(phase) || Labels.creatorIsGone(a)) {
                    deletePod(p.getMetadata().getName());
                    n++;
                } else {
                    kept.add(p.getMetadata().getName());
                }
            }
            for (var np : client.network().v1().networkPolicies().inNamespace(settings.namespace()).withLabel(Labels.MANAGED, "true").list().getItems()) {
                // A policy with an owner goes with its pod; one without is a run's before its pod exists, unless old.
                boolean orphan = np.getMetadata().getOwnerReferences() == null || np.getMetadata().getOwnerReferences().isEmpty()
                        ? olderThan(np.getMetadata().getCreationTimestamp(), Duration.ofMinutes(10)) : false;
                if (!kept.contains(np.getMetadata().getName()) && (all || orphan)) {
                    client.network().v1().networkPolicies().inNamespace(settings.namespace()).withName(np.getMetadata().getName()).delete();
                }
            }
            return n;
        } catch (KubernetesClientException e) {
            throw new InfrastructureException("cannot clean up in namespace " + settings.namespace() + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static boolean olderThan(String timestamp, Duration age) {
        try {
            return timestamp != null && java.time.Instant.parse(timestamp).isBefore(java.time.Instant.now().minus(age));
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** Pods this backend made and has not deleted yet (for tests and diagnostics). */
    public Set<String> livePods() {
        return Set.copyOf(live);
    }

    public KubernetesSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        for (String name : List.copyOf(live)) {
            remove(name);
        }
        client.close();
    }

    static String firstLine(String s) {
        return dev.agentsandbox.sandbox.docker.DockerSandbox.firstLine(s);
    }
}
