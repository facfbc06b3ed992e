package dev.agentsandbox.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.agentsandbox.error.InfrastructureException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Removes what the backend made: each container and volume as its sandbox ends, whatever is left
 * at JVM shutdown (a hook), and, by label, what killed processes left behind ({@code cleanup}).
 * What cannot be removed stays tracked and labelled, so that a later pass finds it.
 */
final class DockerReaper implements AutoCloseable {
    private final DockerClient docker;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Set<String> liveVolumes = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;

    DockerReaper(DockerClient docker) {
        this.docker = docker;
        this.shutdownHook = new Thread(this::removeLive, "agent-sandbox-container-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    void trackContainer(String id) {
        live.add(id);
    }

    void trackVolume(String name) {
        liveVolumes.add(name);
    }

    void removeContainer(String id) {
        removeTracked("container", id, live, () -> docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
    }

    void removeVolume(String volume) {
        removeTracked("volume", volume, liveVolumes, () -> docker.removeVolumeCmd(volume).exec());
    }

    void kill(String id) {
        try {
            docker.killContainerCmd(id).exec();
        } catch (DockerException ignored) {
            // Already gone or exited between the wait and the kill: removal follows either way.
        }
    }

    /** Containers this backend created and still holds. */
    Set<String> liveContainers() {
        return Set.copyOf(live);
    }

    private static void removeTracked(String kind, String id, Set<String> tracked, Runnable removal) {
        try {
            removal.run();
            tracked.remove(id);
        } catch (NotFoundException e) {
            tracked.remove(id);
        } catch (RuntimeException e) {
            System.err.println("agent-sandbox: could not remove " + kind + " " + id + ": " + DockerSandbox.firstLine(e.getMessage())
                    + " (`agent-sandbox cleanup` will)");
        }
    }

    private void removeLive() {
        for (String id : List.copyOf(live)) {
            removeContainer(id);
        }
        for (String volume : List.copyOf(liveVolumes)) {
            removeVolume(volume);
        }
    }

    /** Removes the sandboxes and volumes of processes that are gone (or all of them); returns how many. */
    int cleanup(boolean all) throws InfrastructureException {
        List<Container> found;
        try {
            found = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.MANAGED, "true")).exec();
        } catch (DockerException e) {
            throw new InfrastructureException("cannot list containers: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
        int removed = 0;
        for (Container c : found) {
            if (all || Labels.creatorIsGone(c.getLabels())) {
                removeContainer(c.getId());
                removed++;
            }
        }
        // Volumes after containers: a volume still attached to a container cannot be removed.
        List<InspectVolumeResponse> volumes;
        try {
            volumes = docker.listVolumesCmd().withFilter("label", List.of(Labels.MANAGED + "=true")).exec().getVolumes();
        } catch (DockerException e) {
            throw new InfrastructureException("cannot list volumes: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
        for (var v : volumes == null ? List.<InspectVolumeResponse>of() : volumes) {
            if (all || Labels.creatorIsGone(v.getLabels() == null ? Map.of() : v.getLabels())) {
                removeVolume(v.getName());
                removed++;
            }
        }
        return removed;
    }

    /** Kills the running sandboxes of a run. */
    void stop(String runId) throws InfrastructureException {
        try {
            for (Container c : docker.listContainersCmd().withLabelFilter(Map.of(Labels.RUN, runId)).exec()) {
                kill(c.getId());
            }
        } catch (DockerException e) {
            throw new InfrastructureException("cannot stop the sandboxes of run " + runId + ": " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    @Override
    public void close() {
        removeLive();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or will run; nothing to undo.
        }
    }
}
