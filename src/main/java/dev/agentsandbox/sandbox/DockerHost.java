package dev.agentsandbox.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.agentsandbox.error.InfrastructureException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What the Docker host gives, checked the same way by every run and by {@code doctor}: its runtimes and its local images. */
public final class DockerHost {
    private final DockerClient docker;

    public DockerHost(DockerClient docker) {
        this.docker = docker;
    }

    /** The runtimes registered with the daemon. */
    public Set<String> runtimes() throws InfrastructureException {
        Map<String, ?> runtimes;
        try {
            runtimes = docker.infoCmd().exec().getRuntimes();
        } catch (DockerException e) {
            throw new InfrastructureException("cannot ask the Docker daemon for its runtimes: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
        return runtimes == null ? Set.of() : new TreeSet<>(runtimes.keySet());
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
            return docker.inspectImageCmd(image).exec().getId();
        } catch (NotFoundException e) {
            throw new InfrastructureException("image '" + image + "' does not exist on this Docker host;"
                    + " agent-sandbox never pulls: build or load it first (docker build / docker load / docker import)");
        } catch (DockerException e) {
            throw new InfrastructureException("cannot inspect image '" + image + "': " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }
}
