package dev.agentsandbox.sandbox.kubernetes;

import static dev.agentsandbox.sandbox.kubernetes.KubernetesSandbox.firstLine;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.OutputCapture;
import dev.agentsandbox.sandbox.OutputListener;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A sandbox pod's lifecycle as the API shows it: started, ended, failed, and its log. */
final class PodWatch {
    static final Duration POLL = Duration.ofMillis(250);
    /** Waiting reasons that do not get better by waiting. */
    static final Set<String> FATAL_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");
    static final String EVICTED = "Evicted";

    private final KubernetesClient client;
    private final KubernetesSettings settings;

    PodWatch(KubernetesClient client, KubernetesSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    void awaitRunning(String name, String container, boolean init) throws InfrastructureException, InterruptedException {
        long deadline = System.nanoTime() + settings.scheduleTimeout().toNanos();
        while (true) {
            Pod pod = client.pods().inNamespace(settings.namespace()).withName(name).get();
            if (pod == null) {
                throw new InfrastructureException("the sandbox's pod " + name + " was deleted from outside the run; nothing is committed");
            }
            failIfFailed(pod);
            ContainerStatus s = status(pod, container, init);
            if (s != null && s.getState() != null) {
                if (s.getState().getRunning() != null || s.getState().getTerminated() != null) {
                    return;
                }
                if (s.getState().getWaiting() != null && FATAL_WAITING.contains(s.getState().getWaiting().getReason())) {
                    throw new InfrastructureException("the sandbox's container cannot start: " + s.getState().getWaiting().getReason()
                            + " (" + firstLine(s.getState().getWaiting().getMessage()) + ") for image " + s.getImage()
                            + "; the image must be pullable by the cluster (imagePullPolicy " + settings.imagePullPolicy() + ")");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new InfrastructureException("the sandbox's pod " + name + " did not start within " + settings.scheduleTimeout().toSeconds()
                        + " s: " + whyNotStarted(pod));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    ContainerStateTerminated awaitTerminated(String name, long deadline) throws InfrastructureException, InterruptedException {
        while (System.nanoTime() < deadline) {
            Pod pod = client.pods().inNamespace(settings.namespace()).withName(name).get();
            if (pod == null) {
                throw new InfrastructureException("the sandbox's pod " + name + " was deleted from outside the run; nothing is committed");
            }
            if (pod.getStatus() != null && "DeadlineExceeded".equals(pod.getStatus().getReason())) {
                return null;
            }
            if (pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason())) {
                // the kubelet's periodic check of emptyDir sizeLimit and ephemeral-storage: the pod's own disk quota
                return new io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder().withExitCode(137).withReason(EVICTED)
                        .withMessage(firstLine(pod.getStatus().getMessage())).build();
            }
            failIfFailed(pod);
            ContainerStatus s = status(pod, PodSpecs.SANDBOX, false);
            if (s != null && s.getState() != null && s.getState().getTerminated() != null) {
                return s.getState().getTerminated();
            }
            Thread.sleep(POLL.toMillis());
        }
        return null;
    }

    private static void failIfFailed(Pod pod) throws InfrastructureException {
        if (pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())
                && status(pod, PodSpecs.SANDBOX, false) == null) {
            throw new InfrastructureException("the sandbox's pod failed before its command ran: " + pod.getStatus().getReason()
                    + " (" + firstLine(pod.getStatus().getMessage()) + ")");
        }
    }

    private static String whyNotStarted(Pod pod) {
        if (pod.getStatus() == null) {
            return "no status yet (is the API server's scheduler running?)";
        }
        for (PodCondition c : pod.getStatus().getConditions() == null ? List.<PodCondition>of() : pod.getStatus().getConditions()) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                return "never scheduled: " + c.getReason() + " (" + firstLine(c.getMessage()) + ")";
            }
        }
        return "phase " + pod.getStatus().getPhase();
    }

    private static ContainerStatus status(Pod pod, String container, boolean init) {
        if (pod.getStatus() == null) {
            return null;
        }
        List<ContainerStatus> all = init ? pod.getStatus().getInitContainerStatuses() : pod.getStatus().getContainerStatuses();
        return all == null ? null : all.stream().filter(s -> container.equals(s.getName())).findFirst().orElse(null);
    }

    String imageId(String name) {
        Pod pod = client.pods().inNamespace(settings.namespace()).withName(name).get();
        ContainerStatus s = pod == null ? null : status(pod, PodSpecs.SANDBOX, false);
        return s == null ? null : s.getImageID();
    }

    /** The command's log (stdout and stderr as the kubelet keeps them) into the capture, from a thread of its own. */
    Thread readLog(String name, OutputCapture capture) {
        Thread t = new Thread(() -> {
            try (LogWatch watch = client.pods().inNamespace(settings.namespace()).withName(name).inContainer(PodSpecs.SANDBOX).watchLog();
                 InputStream in = watch.getOutput()) {
                byte[] buf = new byte[16 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    capture.accept(OutputListener.Stream.STDOUT, java.util.Arrays.copyOf(buf, n));
                }
            } catch (IOException | KubernetesClientException e) {
                capture.accept(OutputListener.Stream.STDERR, ("(agent-sandbox: the pod's log ended early: " + firstLine(e.getMessage()) + ")\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }, "agent-sandbox-log-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
