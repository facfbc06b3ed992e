package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.SandboxSpec;

import dev.agentsandbox.sandbox.OverlayUnavailableException;

import dev.agentsandbox.sandbox.Mount;

import dev.agentsandbox.sandbox.Limits;

import dev.agentsandbox.sandbox.Labels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    /** What the daemon says of a container that has stopped. */
    record State(Long exitCode, boolean oomKilled) {
    }

    private final DockerApi docker;
    private final DockerReaper reaper;
    private final String id;
    private final List<String> volumes;

    private DockerContainer(DockerApi docker, DockerReaper reaper, String id, List<String> volumes) {
        this.docker = docker;
        this.reaper = reaper;
        this.id = id;
        this.volumes = volumes;
    }

    static DockerContainer create(DockerApi docker, DockerReaper reaper, SandboxSpec spec, String name) throws InfrastructureException {
        List<String> volumes = new ArrayList<>();
        try {
            Limits l = spec.limits();
            ObjectNode body = DockerApi.object();
            body.put("Image", spec.image());
            strings(body.putArray("Cmd"), spec.command());
            body.putArray("Entrypoint"); // empty: the image's entrypoint never wraps the command
            body.put("User", spec.user().docker());
            body.put("WorkingDir", spec.workdir());
            strings(body.putArray("Env"), spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            Map<String, String> labels = Labels.forSandbox(spec);
            ObjectNode labelNode = body.putObject("Labels");
            labels.forEach(labelNode::put);
            // NetworkMode none is what leaves only loopback; NetworkDisabled also keeps Docker from writing the
            // hosts file, which a check with services needs for their names
            body.put("NetworkDisabled", spec.hosts().isEmpty());
            body.put("AttachStdout", true);
            body.put("AttachStderr", true);
            ObjectNode host = body.putObject("HostConfig");
            host.put("Runtime", spec.runtime());
            host.put("NetworkMode", "none");
            host.put("ReadonlyRootfs", true);
            host.putObject("Tmpfs").put("/tmp", "rw,noexec,nosuid,nodev,size=" + l.tmpfsBytes());
            host.putArray("CapDrop").add("ALL");
            host.putArray("SecurityOpt").add("no-new-privileges:true");
            host.put("Memory", l.memoryBytes());
            host.put("MemorySwap", l.memoryBytes());
            host.put("NanoCpus", (long) (l.cpus() * 1_000_000_000L));
            host.put("PidsLimit", (long) l.pids());
            ArrayNode binds = host.putArray("Binds");
            for (Mount m : spec.mounts()) {
                String source = m.hostPath().toString();
                if (m.overlay() != null) {
                    source = name + "-" + volumes.size();
                    createOverlayVolume(docker, reaper, source, m, labels);
                    volumes.add(source);
                }
                binds.add(source + ":" + m.containerPath() + ":" + (m.readOnly() ? "ro" : "rw"));
            }
            strings(host.putArray("ExtraHosts"), spec.hosts());
            host.putObject("LogConfig").put("Type", "none");
            host.put("AutoRemove", false);
            try {
                String id;
                try {
                    id = docker.post("/containers/create?name=" + DockerApi.segment(name), body).path("Id").asText("");
                } catch (RuntimeException e) {
                    reaper.removeByName(name); // the answer was lost, perhaps not the container
                    throw e;
                }
                if (id.isEmpty()) {
                    reaper.removeByName(name);
                    throw new InfrastructureException("the Docker daemon created the sandbox but gave no id");
                }
                reaper.trackContainer(id);
                return new DockerContainer(docker, reaper, id, volumes);
            } catch (DockerApi.Refused e) {
                overlayUnavailable(volumes, e);
                throw new InfrastructureException("the Docker daemon refused to create the sandbox: " + DockerSandbox.firstLine(e.getMessage()), e);
            }
        } catch (InfrastructureException | RuntimeException e) {
            volumes.forEach(reaper::removeVolume);
            throw e;
        }
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    /**
     * A local volume that dockerd mounts as overlayfs when the container starts: the sandbox writes
     * only the upper folder, the shared lower one is never changed. {@code userxattr} keeps the
     * overlay's own markers (opaque folders) readable on the host without privileges and turns
     * off redirects and metacopy, so every change lies whole in the upper folder.
     */
    private static void createOverlayVolume(DockerApi docker, DockerReaper reaper, String volume, Mount m, Map<String, String> labels)
            throws InfrastructureException {
        String options = "lowerdir=" + m.overlay().lowers().stream().map(Object::toString).collect(Collectors.joining(":"))
                + ",upperdir=" + m.hostPath() + ",workdir=" + m.overlay().work() + ",userxattr";
        ObjectNode body = DockerApi.object();
        body.put("Name", volume);
        body.put("Driver", "local");
        ObjectNode labelNode = body.putObject("Labels");
        labels.forEach(labelNode::put);
        body.putObject("DriverOpts").put("type", "overlay").put("device", "overlay").put("o", options);
        try {
            docker.post("/volumes/create", body);
            reaper.trackVolume(volume);
        } catch (DockerApi.Refused e) {
            throw new InfrastructureException("the Docker daemon refused to create the overlay volume for " + m.containerPath()
                    + ": " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    /** Docker mounts a volume when the container is created or started; a failure there is the overlay's. */
    private static void overlayUnavailable(List<String> volumes, DockerApi.Refused e) throws OverlayUnavailableException {
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
            docker.post(path("/start"), null);
        } catch (DockerApi.Refused e) {
            overlayUnavailable(volumes, e);
            throw new InfrastructureException("the " + spec.runtime() + " runtime could not start the container: "
                    + DockerSandbox.firstLine(e.getMessage()) + " (run `agent-sandbox doctor`)", e);
        }
    }

    /** The started container's configuration, after checking that it runs under the runtime asked for. */
    Map<String, Object> verifyStarted(SandboxSpec spec) throws InfrastructureException {
        JsonNode started = inspect();
        String actual = started.path("HostConfig").path("Runtime").textValue();
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
            return inspect().path("State").path("Running").asBoolean(false) ? null : "the container is no longer running";
        } catch (InfrastructureException | RuntimeException e) {
            return "the Docker daemon does not answer: " + DockerSandbox.firstLine(e.getMessage());
        }
    }

    State state() throws InfrastructureException {
        JsonNode s = inspect().path("State");
        JsonNode code = s.path("ExitCode");
        return new State(code.isIntegralNumber() ? code.asLong() : null, s.path("OOMKilled").asBoolean(false));
    }

    private JsonNode inspect() throws InfrastructureException {
        try {
            return docker.get(path("/json"));
        } catch (DockerApi.Refused e) {
            throw new InfrastructureException("cannot inspect the sandbox: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    private String path(String tail) {
        return "/containers/" + DockerApi.segment(id) + tail;
    }

    void kill() {
        reaper.kill(id);
    }

    private static Map<String, Object> describe(JsonNode c, SandboxSpec spec) {
        JsonNode h = c.path("HostConfig");
        Map<String, Object> m = new LinkedHashMap<>(spec.describe());
        m.put("containerName", c.path("Name").textValue());
        m.put("imageId", c.path("Image").textValue());
        m.put("runtime", h.path("Runtime").textValue());
        m.put("networkMode", h.path("NetworkMode").textValue());
        m.put("readonlyRootfs", h.path("ReadonlyRootfs").isBoolean() ? h.path("ReadonlyRootfs").booleanValue() : null);
        m.put("capDrop", texts(h.path("CapDrop")));
        m.put("securityOpt", h.path("SecurityOpt").isArray() ? texts(h.path("SecurityOpt")) : null);
        m.put("user", c.path("Config").path("User").textValue());
        // the names (never the values) of the variables the container was set up with: the image's and ours
        m.put("envNames", texts(c.path("Config").path("Env")).stream().map(e -> e.contains("=") ? e.substring(0, e.indexOf('=')) : e).sorted().toList());
        m.put("memoryBytes", number(h.path("Memory")));
        m.put("nanoCpus", number(h.path("NanoCpus")));
        m.put("pidsLimit", number(h.path("PidsLimit")));
        m.put("tmpfs", h.path("Tmpfs").isObject() ? DockerApi.strings(h.path("Tmpfs")) : null);
        return m;
    }

    private static List<String> texts(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(e -> l.add(e.asText()));
        return l;
    }

    private static Long number(JsonNode n) {
        return n.isIntegralNumber() ? n.asLong() : null;
    }

    @Override
    public void close() {
        reaper.removeContainer(id);
        volumes.forEach(reaper::removeVolume);
    }
}
