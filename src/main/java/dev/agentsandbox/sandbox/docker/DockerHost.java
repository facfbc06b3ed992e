package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.config.Tier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.InfrastructureException;
import java.util.Set;
import java.util.TreeSet;

/** What the Docker host gives, checked the same way by every run and by {@code doctor}: its runtimes and its local images. */
public final class DockerHost {
    private final DockerApi api;

    DockerHost(DockerApi api) {
        this.api = api;
    }

    /** The runtimes registered with the daemon. */
    public Set<String> runtimes() throws InfrastructureException {
        JsonNode info;
        try {
            info = api.get("/info");
        } catch (DockerApi.Refused e) {
            throw new InfrastructureException("cannot ask the Docker daemon for its runtimes: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
        Set<String> runtimes = new TreeSet<>();
        info.path("Runtimes").fieldNames().forEachRemaining(runtimes::add);
        return runtimes;
    }

    /** Fails unless the daemon has this runtime: asking for gVisor never silently gets runc. */
    public void requireRuntime(String runtime, Tier tier) throws InfrastructureException {
        Set<String> runtimes = runtimes();
        if (!runtimes.contains(runtime)) {
            throw new InfrastructureException("runtime '" + runtime + "' (tier " + tier.id() + ") is not registered with the Docker daemon"
                    + " (it has: " + (runtimes.isEmpty() ? "none" : String.join(", ", runtimes)) + "): "
                    + "run scripts/setup-host.sh or add it to /etc/docker/daemon.json and restart dockerd."
                    + " agent-sandbox never falls back to a weaker runtime.");
        }
    }

    /** The content digest of a local image; nothing is pulled (images are the operator's choice). */
    public String imageId(String image) throws InfrastructureException {
        try {
            String id = api.get("/images/" + DockerApi.segment(image) + "/json").path("Id").asText("");
            if (id.isEmpty()) {
                throw new InfrastructureException("the Docker daemon gave no id for image '" + image + "'");
            }
            return id;
        } catch (DockerApi.Refused e) {
            if (e.notFound()) {
                throw new InfrastructureException("image '" + image + "' does not exist on this Docker host;"
                        + " agent-sandbox never pulls: build or load it first (docker build / docker load / docker import)");
            }
            throw new InfrastructureException("cannot inspect image '" + image + "': " + DockerSandbox.firstLine(e.getMessage()), e);
        } catch (IllegalArgumentException e) {
            throw new InfrastructureException("image '" + image + "' is not an image reference: name a local image (NAME[:TAG] or an id)");
        }
    }
}
