package dev.agentsandbox.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import dev.agentsandbox.error.InfrastructureException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One sandbox container and the overlay volumes it mounts, hardened as every one is (seed 001):
 * the runtime asked for and no other, no network, read-only root, a small noexec tmpfs at /tmp, all
 * capabilities dropped, no-new-privileges, uid 65534, limits, no log driver. Closing removes the
 * container and its volumes (through the reaper, which keeps what it could not remove).
 */
final class DockerContainer implements AutoCloseable {
    private final DockerClient docker;
    private final DockerReaper reaper;
    private final String id;
    private final List<String> volumes;

    private DockerContainer(DockerClient docker, DockerReaper reaper, String id, List<String> volumes) {
        this.docker = docker;
        this.reaper = reaper;
        this.id = id;
        this.volumes = volumes;
    }

    static DockerContainer create(DockerClient docker, DockerReaper reaper, SandboxSpec spec, String name) throws InfrastructureException {
        List<String> volumes = new ArrayList<>();
        try {
            Limits l = spec.limits();
            List<Bind> binds = new ArrayList<>();
            for (Mount m : spec.mounts()) {
                String source = m.hostPath().toString();
                if (m.overlay() != null) {
                    source = name + "-" + volumes.size();
                    createOverlayVolume(docker, reaper, source, m, Labels.forSandbox(spec));
                    volumes.add(source);
                }
                binds.add(new Bind(source, new Volume(m.containerPath()), m.readOnly() ? AccessMode.ro : AccessMode.rw));
            }
            HostConfig host = HostConfig.newHostConfig()
                    .withRuntime(spec.runtime())
                    .withNetworkMode("none")
                    .withReadonlyRootfs(true)
                    .withTmpFs(Map.of("/tmp", "rw,noexec,nosuid,nodev,size=" + l.tmpfsBytes()))
                    .withCapDrop(Capability.ALL)
                    .withSecurityOpts(List.of("no-new-privileges:true"))
                    .withMemory(l.memoryBytes())
                    .withMemorySwap(l.memoryBytes())
                    .withNanoCPUs((long) (l.cpus() * 1_000_000_000L))
                    .withPidsLimit((long) l.pids())
                    .withBinds(binds)
                    .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE))
                    .withAutoRemove(false);
            List<String> env = spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
            try {
                CreateContainerResponse created = docker.createContainerCmd(spec.image())
                        .withName(name)
                        .withCmd(spec.command())
                        .withEntrypoint(List.of())
                        .withUser(SandboxSpec.USER)
                        .withWorkingDir(spec.workdir())
                        .withEnv(env)
                        .withLabels(Labels.forSandbox(spec))
                        .withNetworkDisabled(true)
                        .withAttachStdout(true)
                        .withAttachStderr(true)
                        .withHostConfig(host)
                        .exec();
                reaper.trackContainer(created.getId());
                return new DockerContainer(docker, reaper, created.getId(), volumes);
            } catch (DockerException e) {
                overlayUnavailable(volumes, e);
                throw new InfrastructureException("the Docker daemon refused to create the sandbox: " + DockerSandbox.firstLine(e.getMessage()), e);
            }
        } catch (InfrastructureException | RuntimeException e) {
            volumes.forEach(reaper::removeVolume);
            throw e;
        }
    }

    /**
     * A local volume that dockerd mounts as overlayfs when the container starts: the sandbox writes
     * only the upper folder, the shared lower one is never changed. {@code userxattr} keeps the
     * overlay's own markers (opaque folders) readable on the host without privileges and turns
     * off redirects and metacopy, so every change lies whole in the upper folder.
     */
    private static void createOverlayVolume(DockerClient docker, DockerReaper reaper, String volume, Mount m, Map<String, String> labels)
            throws InfrastructureException {
        String options = "lowerdir=" + m.overlay().lowers().stream().map(Object::toString).collect(Collectors.joining(":"))
                + ",upperdir=" + m.hostPath() + ",workdir=" + m.overlay().work() + ",userxattr";
        try {
            docker.createVolumeCmd().withName(volume).withDriver("local").withLabels(labels)
                    .withDriverOpts(Map.of("type", "overlay", "device", "overlay", "o", options)).exec();
            reaper.trackVolume(volume);
        } catch (DockerException e) {
            throw new InfrastructureException("the Docker daemon refused to create the overlay volume for " + m.containerPath()
                    + ": " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    /** Docker mounts a volume when the container is created or started; a failure there is the overlay's. */
    private static void overlayUnavailable(List<String> volumes, DockerException e) throws OverlayUnavailableException {
        String m = String.valueOf(e.getMessage());
        if (!volumes.isEmpty() && (m.contains("mount local volume") || m.contains("mounting volume"))) {
            throw new OverlayUnavailableException("the Docker host cannot mount an overlay workspace: " + DockerSandbox.firstLine(m), e);
        }
    }

    String id() {
        return id;
    }

    void start(SandboxSpec spec) throws InfrastructureException {
        try {
            docker.startContainerCmd(id).exec();
        } catch (DockerException e) {
            overlayUnavailable(volumes, e);
            throw new InfrastructureException("the " + spec.runtime() + " runtime could not start the container: "
                    + DockerSandbox.firstLine(e.getMessage()) + " (run `agent-sandbox doctor`)", e);
        }
    }

    /** The started container's configuration, after checking that it runs under the runtime asked for. */
    Map<String, Object> verifyStarted(SandboxSpec spec) throws InfrastructureException {
        InspectContainerResponse started = docker.inspectContainerCmd(id).exec();
        String actual = started.getHostConfig() == null ? null : started.getHostConfig().getRuntime();
        Map<String, Object> used = describe(started, spec);
        if (!spec.runtime().equals(actual)) {
            throw new InfrastructureException("the sandbox runs under runtime '" + actual + "', not '" + spec.runtime()
                    + "' as asked: refusing to go on");
        }
        return used;
    }

    /** Why a container that should be running is not (its daemon gone, or it stopped), or null when it runs. */
    String stoppedFromOutside() {
        try {
            InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
            return Boolean.TRUE.equals(r.getState().getRunning()) ? null : "the container is no longer running";
        } catch (RuntimeException e) {
            return "the Docker daemon does not answer: " + DockerSandbox.firstLine(e.getMessage());
        }
    }

    InspectContainerResponse.ContainerState state() {
        return docker.inspectContainerCmd(id).exec().getState();
    }

    void kill() {
        reaper.kill(id);
    }

    private static Map<String, Object> describe(InspectContainerResponse c, SandboxSpec spec) {
        HostConfig h = c.getHostConfig();
        Map<String, Object> m = new LinkedHashMap<>(spec.describe());
        m.put("containerName", c.getName());
        m.put("imageId", c.getImageId());
        m.put("runtime", h.getRuntime());
        m.put("networkMode", h.getNetworkMode());
        m.put("readonlyRootfs", h.getReadonlyRootfs());
        m.put("capDrop", h.getCapDrop() == null ? List.of() : List.of(h.getCapDrop()).stream().map(Enum::name).toList());
        m.put("securityOpt", h.getSecurityOpts());
        m.put("user", c.getConfig().getUser());
        // the names (never the values) of the variables the container was set up with: the image's and ours
        m.put("envNames", c.getConfig().getEnv() == null ? List.of()
                : java.util.Arrays.stream(c.getConfig().getEnv()).map(e -> e.contains("=") ? e.substring(0, e.indexOf('=')) : e).sorted().toList());
        m.put("memoryBytes", h.getMemory());
        m.put("nanoCpus", h.getNanoCPUs());
        m.put("pidsLimit", h.getPidsLimit());
        m.put("tmpfs", h.getTmpFs());
        return m;
    }

    @Override
    public void close() {
        reaper.removeContainer(id);
        volumes.forEach(reaper::removeVolume);
    }
}
