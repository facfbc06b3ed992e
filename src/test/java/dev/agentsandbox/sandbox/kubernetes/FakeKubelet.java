package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.sandbox.Labels;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Stands in for the kubelet and the container runtime against fabric8's mock API server (CRUD
 * mode), which stores pods but runs nothing: it moves each pod's status through the phases a
 * real node reports, and keeps each pod's emptyDirs as local folders that the tar streams go
 * into and come out of (through {@link TarTransfer}, as they would through exec). The "command"
 * is a Java action on the workspace folder.
 */
final class FakeKubelet implements PodFiles, AutoCloseable {
    enum Start { RUNS, UNSCHEDULABLE, IMAGE_PULL_ERROR }

    record Behaviour(Start start, Consumer<Path> command, int exitCode, boolean hangs, String terminationReason) {
        static Behaviour exits(Consumer<Path> command, int exitCode) {
            return new Behaviour(Start.RUNS, command, exitCode, false, exitCode == 0 ? "Completed" : "Error");
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final Path root;
    final AtomicReference<Behaviour> behaviour = new AtomicReference<>(Behaviour.exits(ws -> { }, 0));
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    /**
     * The pod a warm pool's controller hands over for each SandboxClaim (a copy, named and labelled
     * as kubernetes-sigs/agent-sandbox's claim controller does), or null: no controller runs.
     */
    final AtomicReference<Pod> warmPod = new AtomicReference<>();
    /** How long after the claim names its pod the controller's label arrives. */
    volatile long labelLagMillis = 700;
    /** Claim name to the pod handed over for it. */
    final Map<String, String> handedOver = new ConcurrentHashMap<>();
    private final Thread loop;
    private volatile boolean running = true;

    FakeKubelet(KubernetesClient client, String namespace, Path root) {
        this.client = client;
        this.namespace = namespace;
        this.root = root;
        this.loop = new Thread(this::schedule, "fake-kubelet");
        loop.setDaemon(true);
        loop.start();
    }

    private void schedule() {
        while (running) {
            try {
                if (warmPod.get() != null) {
                    controlClaims();
                }
                List<Pod> pods = new java.util.ArrayList<>(client.pods().inNamespace(namespace).withLabel(Labels.MANAGED, "true").list().getItems());
                pods.addAll(client.pods().inNamespace(namespace).withLabel("dev.agentsandbox.warm", "true").list().getItems());
                for (Pod p : pods) {
                    if (started.add(p.getMetadata().getName())) {
                        admit(p.getMetadata().getName());
                        setStatus(p.getMetadata().getName(), firstStatus(behaviour.get().start()));
                    }
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the API went away (a test stops the server): nothing to schedule
            }
        }
    }

    /**
     * As the claim controller does: a claim gets a pod of the pool (its Sandbox, named on the
     * claim's status, annotated with the pod's name; the pod labelled with the claim's uid), and
     * what a deleted claim held is deleted with it.
     */
    private void controlClaims() {
        var claims = client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace(namespace).list().getItems();
        Set<String> present = new java.util.HashSet<>();
        for (var c : claims) {
            String claim = c.getMetadata().getName();
            present.add(claim);
            if (handedOver.containsKey(claim)) {
                continue;
            }
            String name = "pool-" + Integer.toHexString(claim.hashCode());
            // the real controller relabels the pod in a write of its own, after the claim names it: the label comes late
            Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder(warmPod.get()).editMetadata().withName(name).withNamespace(namespace)
                    .endMetadata().build();
            client.pods().inNamespace(namespace).resource(pod).create();
            String uid = c.getMetadata().getUid();
            Thread label = new Thread(() -> {
                try {
                    Thread.sleep(labelLagMillis);
                    client.pods().inNamespace(namespace).withName(name).edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p).editMetadata()
                            .addToLabels(WarmPool.CLAIM_UID_LABEL, uid).endMetadata().build());
                } catch (InterruptedException | RuntimeException e) {
                    // the run ended first
                }
            }, "fake-claim-label");
            label.setDaemon(true);
            label.start();
            client.genericKubernetesResources(WarmPool.SANDBOXES).inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                    .withApiVersion("agents.x-k8s.io/v1beta1").withKind("Sandbox").withNewMetadata().withName(name).withNamespace(namespace)
                    .addToAnnotations(WarmPool.POD_NAME_ANNOTATION, name).endMetadata().build()).create();
            c.setAdditionalProperty("status", Map.of("sandbox", Map.of("name", name)));
            client.genericKubernetesResources(WarmPool.CLAIMS).inNamespace(namespace).resource(c).update();
            handedOver.put(claim, name);
        }
        for (var e : handedOver.entrySet()) {
            if (!present.contains(e.getKey()) && client.pods().inNamespace(namespace).withName(e.getValue()).get() != null) {
                client.pods().inNamespace(namespace).withName(e.getValue()).delete();
                client.genericKubernetesResources(WarmPool.SANDBOXES).inNamespace(namespace).withName(e.getValue()).delete();
            }
        }
    }

    /** Teaches the mock API server (CRUD mode) SandboxClaims and Sandboxes, which it then stores as it stores pods. */
    static void serveClaims(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server) {
        for (var c : List.of(WarmPool.CLAIMS, WarmPool.SANDBOXES)) {
            server.expectCustomResource(new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder().withGroup(c.getGroup())
                    .withVersion(c.getVersion()).withKind(c.getKind()).withPlural(c.getPlural()).withScope("Namespaced").build());
        }
    }

    private static PodStatus firstStatus(Start start) {
        return switch (start) {
            case RUNS -> new PodStatusBuilder().withPhase("Pending").withInitContainerStatuses(running("load", "img")).build();
            case UNSCHEDULABLE -> new PodStatusBuilder().withPhase("Pending").withConditions(new PodConditionBuilder().withType("PodScheduled")
                    .withStatus("False").withReason("Unschedulable").withMessage("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
                    .build()).build();
            case IMAGE_PULL_ERROR -> new PodStatusBuilder().withPhase("Pending").withInitContainerStatuses(new ContainerStatusBuilder()
                    .withName("load").withImage("img").withState(new ContainerStateBuilder().withNewWaiting().withReason("ErrImagePull")
                            .withMessage("rpc error: pull access denied for img").endWaiting().build()).build()).build();
        };
    }

    private static ContainerStatus running(String name, String image) {
        return new ContainerStatusBuilder().withName(name).withImage(image).withImageID("sha256:" + "ab".repeat(32))
                .withState(new ContainerStateBuilder().withNewRunning().withStartedAt("2026-12-02T00:00:00Z").endRunning().build()).build();
    }

    private static ContainerStatus terminated(String name, int code, String reason) {
        return new ContainerStatusBuilder().withName(name).withImage("img").withImageID("sha256:" + "ab".repeat(32))
                .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(code).withReason(reason).endTerminated().build()).build();
    }

    void setStatus(String pod, PodStatus status) {
        client.pods().inNamespace(namespace).withName(pod).editStatus(p -> {
            p.setStatus(status);
            return p;
        });
    }

    Path folder(String pod, String dir) {
        return root.resolve(pod).resolve(dir.replace('/', '_'));
    }

    @Override
    public void upload(String pod, String container, Path from, String dir) throws IOException {
        Path to = folder(pod, dir);
        Files.createDirectories(to);
        pipe(from, to, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    @Override
    public void download(String pod, String container, String dir, Path to, long maxBytes, int maxEntries) throws IOException {
        pipe(folder(pod, dir), to, maxBytes, maxEntries);
    }

    /**
     * The interfaces a pod sees: loopback alone under gVisor with networking off; a runc pod, or a
     * RuntimeClass whose runsc has a network, also has eth0. And whether a connection from inside
     * reaches the API server's service: a NetworkPolicy the plugin has not applied (yet) lets it.
     */
    final java.util.List<String> podInterfaces = new java.util.concurrent.CopyOnWriteArrayList<>(List.of("lo"));
    final AtomicReference<String> egressReaches = new AtomicReference<>();

    @Override
    public java.util.List<String> interfaces(String pod, String container) {
        return List.copyOf(podInterfaces);
    }

    @Override
    public String egressReached(String pod, String container) {
        return egressReaches.get();
    }

    /** When set, the pod is evicted with this message after its command, as the kubelet does past an emptyDir's sizeLimit. */
    final AtomicReference<String> evictWith = new AtomicReference<>();

    /** Variables a mutating webhook adds to the sandbox's container (IRSA's, Vault's), as the stored pod then shows them. */
    final Map<String, String> admissionEnv = new ConcurrentHashMap<>();

    private void admit(String pod) {
        if (admissionEnv.isEmpty()) {
            return;
        }
        client.pods().inNamespace(namespace).withName(pod).edit(p -> {
            p.getSpec().getContainers().stream().filter(c -> c.getName().equals(PodSpecs.SANDBOX)).forEach(c -> {
                List<io.fabric8.kubernetes.api.model.EnvVar> env = new java.util.ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
                admissionEnv.forEach((k, v) -> env.add(new io.fabric8.kubernetes.api.model.EnvVar(k, v, null)));
                c.setEnv(env);
            });
            return p;
        });
    }

    /** What a real kubelet adds to every container, whatever the pod says (kubelet_pods.go, getServiceEnvVarMap). */
    static final List<String> KUBELET_SERVICE_VARIABLES = List.of("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
            "KUBERNETES_SERVICE_PORT_HTTPS", "KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP", "KUBERNETES_PORT_443_TCP_PROTO",
            "KUBERNETES_PORT_443_TCP_PORT", "KUBERNETES_PORT_443_TCP_ADDR");
    /** The image's own variables (its config's Env), as a Python image has them. */
    final java.util.Set<String> imageEnvironment = ConcurrentHashMap.newKeySet();

    {
        imageEnvironment.addAll(List.of("PATH", "LANG", "PYTHON_VERSION", "GPG_KEY"));
    }

    /** The image's variables, the container's own from the stored pod (admission's included), and the kubelet's. */
    @Override
    public java.util.Set<String> environmentNames(String pod, String container) {
        java.util.Set<String> names = new java.util.TreeSet<>(imageEnvironment);
        names.addAll(KUBELET_SERVICE_VARIABLES);
        names.add("HOSTNAME");
        names.add("HOME");
        Pod p = client.pods().inNamespace(namespace).withName(pod).get();
        List<io.fabric8.kubernetes.api.model.Container> all = new java.util.ArrayList<>(p.getSpec().getContainers());
        if (p.getSpec().getInitContainers() != null) {
            all.addAll(p.getSpec().getInitContainers());
        }
        all.stream().filter(c -> c.getName().equals(container)).findFirst()
                .ifPresent(c -> { if (c.getEnv() != null) c.getEnv().forEach(e -> names.add(e.getName())); });
        return names;
    }

    /** Marks: the loader's "loaded" starts the command (on a thread of its own, as a container runs) and reports its end. */
    @Override
    public void touch(String pod, String container, String path) {
        if (!path.equals(PodSpecs.LOADED)) {
            return;
        }
        Behaviour b = behaviour.get();
        setStatus(pod, new PodStatusBuilder().withPhase("Running").withInitContainerStatuses(terminated("load", 0, "Completed"))
                .withContainerStatuses(List.of(running("sandbox", "img"), running("keep", "img"))).build());
        Thread command = new Thread(() -> {
            b.command().accept(folder(pod, PodSpecs.staging(0)));
            String eviction = evictWith.get();
            if (eviction != null) {
                // the kubelet's periodic check found an emptyDir over its sizeLimit: the pod is evicted, its containers killed
                try {
                    setStatus(pod, new PodStatusBuilder().withPhase("Failed").withReason("Evicted").withMessage(eviction).build());
                } catch (RuntimeException e) {
                    // deleted meanwhile
                }
                return;
            }
            if (!b.hangs()) {
                try {
                    setStatus(pod, new PodStatusBuilder().withPhase("Running").withInitContainerStatuses(terminated("load", 0, "Completed"))
                            .withContainerStatuses(List.of(terminated("sandbox", b.exitCode(), b.terminationReason()), running("keep", "img")))
                            .build());
                } catch (RuntimeException e) {
                    // the pod was deleted meanwhile
                }
            }
        }, "fake-container-" + pod);
        command.setDaemon(true);
        command.start();
    }

    /** The relay as the keeper would run it: the real relay.py, with this machine's python3, on the pod's folder here. */
    @Override
    public SocketRelay relay(String pod, String container, String socket, Path hostSocket) throws IOException {
        int slash = socket.lastIndexOf('/');
        Path local = folder(pod, socket.substring(0, slash)).resolve(socket.substring(slash + 1));
        Process p = new ProcessBuilder("python3", "-u", "-c", SocketRelay.SCRIPT, local.toString()).start();
        StringBuffer err = new StringBuffer();
        Thread t = new Thread(() -> {
            try {
                err.append(new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the process went
            }
        });
        t.setDaemon(true);
        t.start();
        return new SocketRelay(p.getInputStream(), p.getOutputStream(), hostSocket, err::toString, p::destroy);
    }

    /** The tar stream a real exec would carry, from one folder into another. */
    static void pipe(Path from, Path to, long maxBytes, int maxEntries) throws IOException {
        PipedInputStream in = new PipedInputStream(64 * 1024);
        PipedOutputStream out = new PipedOutputStream(in);
        AtomicReference<IOException> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (out) {
                TarTransfer.write(from, out);
            } catch (IOException e) {
                failed.set(e);
            }
        });
        writer.start();
        try (in) {
            TarTransfer.extract(in, to, maxBytes, maxEntries);
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
        try {
            loop.join(5000); // nothing moves a pod on once closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
