package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.Labels;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.InfrastructureException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Removes what the backend made: each container and volume as its sandbox ends, whatever is left
 * at JVM shutdown (a hook), and, by label, what killed processes left behind ({@code cleanup}).
 * What cannot be removed stays tracked and labelled, so that a later pass finds it.
 */
final class DockerReaper implements AutoCloseable {
    private final DockerApi docker;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Set<String> liveVolumes = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;

    DockerReaper(DockerApi docker) {
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
        removeTracked("container", id, live, () -> docker.delete("/containers/" + DockerApi.segment(id) + "?force=1&v=1"));
    }

    /** Removes a container whose id the daemon's answer did not bring (its name is unique to the run); quietly when there is none. */
    void removeByName(String name) {
        try {
            docker.delete("/containers/" + DockerApi.segment(name) + "?force=1&v=1");
        } catch (DockerApi.Refused | RuntimeException e) {
            // none was made, or the daemon is gone: the next run's sweep finds it by label
        }
    }

    void removeVolume(String volume) {
        removeTracked("volume", volume, liveVolumes, () -> docker.delete("/volumes/" + DockerApi.segment(volume)));
    }

    void kill(String id) {
        try {
            docker.post("/containers/" + DockerApi.segment(id) + "/kill", null);
        } catch (DockerApi.Refused ignored) {
            // Already gone or exited between the wait and the kill: removal follows either way.
        }
    }

    /** Containers this backend created and still holds. */
    Set<String> liveContainers() {
        return Set.copyOf(live);
    }

    private interface Removal {
        void run() throws DockerApi.Refused;
    }

    private static void removeTracked(String kind, String id, Set<String> tracked, Removal removal) {
        try {
            removal.run();
            tracked.remove(id);
        } catch (DockerApi.Refused e) {
            if (e.notFound()) {
                tracked.remove(id);
            } else {
                System.err.println("agent-sandbox: could not remove " + kind + " " + id + ": " + DockerSandbox.firstLine(e.getMessage())
                        + " (`agent-sandbox cleanup` will)");
            }
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
        JsonNode found = list("containers", "/containers/json?all=1&" + DockerApi.labelFilter(Labels.MANAGED, "true"));
        int removed = 0;
        for (JsonNode c : found) {
            if (all || Labels.creatorIsGone(DockerApi.strings(c.path("Labels")))) {
                removeContainer(c.path("Id").asText());
                removed++;
            }
        }
        // Volumes after containers: a volume still attached to a container cannot be removed.
        JsonNode volumes = list("volumes", "/volumes?" + DockerApi.labelFilter(Labels.MANAGED, "true")).path("Volumes");
        for (JsonNode v : volumes) {
            if (all || Labels.creatorIsGone(DockerApi.strings(v.path("Labels")))) {
                removeVolume(v.path("Name").asText());
                removed++;
            }
        }
        return removed;
    }

    /** Kills the running sandboxes of a run. */
    void stop(String runId) throws InfrastructureException {
        for (JsonNode c : list("the sandboxes of run " + runId, "/containers/json?" + DockerApi.labelFilter(Labels.RUN, runId))) {
            kill(c.path("Id").asText());
        }
    }

    private JsonNode list(String what, String path) throws InfrastructureException {
        try {
            return docker.get(path);
        } catch (DockerApi.Refused e) {
            throw new InfrastructureException("cannot list " + what + ": " + DockerSandbox.firstLine(e.getMessage()), e);
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
