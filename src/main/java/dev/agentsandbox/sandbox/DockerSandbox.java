package dev.agentsandbox.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;
import dev.agentsandbox.error.InfrastructureException;
import java.security.SecureRandom;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Docker Engine backend. Every container it creates is hardened the same way (seed 001):
 * the runtime asked for and no other, no network, read-only root, a small noexec tmpfs at /tmp,
 * all capabilities dropped, no-new-privileges, uid 65534, limits, no log driver (output goes
 * through the attach stream only, so a flood cannot fill the daemon's disk). It is removed on
 * every path: normal exit, timeout, error, interrupt, and JVM shutdown.
 */
public final class DockerSandbox implements SandboxBackend {
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    private static final int SIGTERM_EXIT = 128 + 15;

    private final DockerClient docker;
    private final String endpoint;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Set<String> liveVolumes = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;
    private final SecureRandom random = new SecureRandom();

    DockerSandbox(DockerClient docker, String endpoint) {
        this.docker = docker;
        this.endpoint = endpoint;
        this.shutdownHook = new Thread(this::removeLive, "agent-sandbox-container-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Connects to the daemon named by DOCKER_HOST (or the default socket) and checks it answers. */
    public static DockerSandbox connect() throws InfrastructureException {
        return DockerConnection.open().sandbox();
    }

    DockerClient client() {
        return docker;
    }

    @Override
    public SandboxResult run(SandboxSpec spec, OutputListener output) throws InfrastructureException {
        try {
            return runOnce(spec, output);
        } catch (RuntimeException e) {
            // docker-java reports a broken connection to the daemon as an unchecked I/O error.
            if (e.getCause() instanceof java.io.IOException) {
                throw new InfrastructureException("lost the Docker daemon while the sandbox ran: " + firstLine(e.getCause().getMessage())
                        + " (was dockerd restarted? `agent-sandbox cleanup` removes what is left)", e);
            }
            throw e;
        }
    }

    /**
     * Records the programs every gVisor sandbox runs from now on (a runsc trace session per sandbox,
     * its socket under {@code dir}); a sandbox whose trace cannot be attached is stopped before its
     * command runs, never run unrecorded.
     */
    /** Why a container that should be running is not (its daemon gone, or it stopped), or null when it runs. */
    private String stoppedFromOutside(String id) {
        try {
            InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
            return Boolean.TRUE.equals(r.getState().getRunning()) ? null : "the container is no longer running";
        } catch (RuntimeException e) {
            return "the Docker daemon does not answer: " + firstLine(e.getMessage());
        }
    }

    @Override
    public void traceProcesses(Path dir) {
        this.traceDir = dir;
    }

    private volatile Path traceDir;
    private volatile java.util.function.Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec;

    @Override
    public void onExec(java.util.function.Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec) {
        this.onExec = onExec;
    }

    private SandboxResult runOnce(SandboxSpec spec, OutputListener output) throws InfrastructureException {
        requireRuntime(spec.runtime(), spec.tier());
        Path traceGate = null;
        Path traceWork = null;
        if (traceDir != null && spec.tier() == Tier.GVISOR) {
            try {
                // The sandbox sees only the gate (readable by its user); the socket and session stay private.
                traceWork = Files.createTempDirectory(traceDir, "trace-");
                traceGate = Files.createDirectory(traceWork.resolve("gate"));
                Files.setPosixFilePermissions(traceGate, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new InfrastructureException("cannot make the process trace's folder under " + traceDir + ": " + e.getMessage(), e);
            }
            // The command waits (a shell builtin loop: no process of its own to record) until the trace is attached.
            List<String> gated = new java.util.ArrayList<>(List.of("sh", "-c",
                    "while [ ! -e /run/agent-sandbox-trace/attached ]; do :; done; exec \"$@\"", "agent-sandbox-gate"));
            gated.addAll(spec.command());
            List<Mount> mounts = new java.util.ArrayList<>(spec.mounts());
            mounts.add(new Mount(traceGate, "/run/agent-sandbox-trace", true));
            spec = new SandboxSpec(spec.runId(), spec.purpose(), spec.image(), gated, spec.workdir(), spec.env(), mounts,
                    spec.tier(), spec.runtime(), spec.limits(), spec.redactor());
        }
        String imageId = imageId(spec.image());
        OutputCapture capture = new OutputCapture(spec.redactor(), output, spec.limits().maxOutputBytes());
        long t0 = System.nanoTime();
        String name = "agent-sandbox-" + spec.runId() + "-" + spec.purpose() + "-" + HexFormat.of().formatHex(random.generateSeed(3));
        List<String> volumes = new java.util.ArrayList<>();
        String id;
        try {
            id = create(spec, name, volumes);
        } catch (InfrastructureException | RuntimeException e) {
            volumes.forEach(this::removeVolume);
            throw e;
        }
        long t1 = System.nanoTime();
        long t2 = t1;
        long t3 = t1;
        SandboxResult.Ending ending = SandboxResult.Ending.EXITED;
        int exitCode = -1;
        Map<String, Object> used = Map.of();
        PidsWatch pids = null;
        ProcessTrace trace = null;
        ProcessTrace.Result processes = null;
        try (Attached attached = attach(id, capture)) {
            try {
                docker.startContainerCmd(id).exec();
            } catch (DockerException e) {
                overlayUnavailable(volumes, e);
                throw new InfrastructureException("the " + spec.runtime() + " runtime could not start the container: "
                        + firstLine(e.getMessage()) + " (run `agent-sandbox doctor`)", e);
            }
            t2 = System.nanoTime();
            pids = PidsWatch.start(id);
            InspectContainerResponse started = docker.inspectContainerCmd(id).exec();
            used = describe(started, spec);
            verifyRuntime(started, spec.runtime());
            if (traceGate != null) {
                try {
                    trace = ProcessTrace.attach(id, traceWork, spec.redactor(), onExec);
                    Files.createFile(traceGate.resolve("attached"));
                } catch (IOException e) {
                    String gone = stoppedFromOutside(id);
                    kill(id);
                    if (gone != null) {
                        throw new InfrastructureException("the sandbox was stopped from outside while its process trace was attached ("
                                + gone + "): was the Docker daemon restarted? Nothing is committed; run it again", e);
                    }
                    throw new InfrastructureException("cannot record the sandbox's processes (" + e.getMessage() + "); the sandbox was"
                            + " stopped before its command ran. Run as root or with passwordless sudo for runsc, or set"
                            + " `sandbox.process-log: off` to run without the process log", e);
                }
            }
            try {
                exitCode = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback())
                        .awaitStatusCode(spec.limits().timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (DockerClientException e) {
                // docker-java reports a timeout and a broken wait stream with the same exception.
                if (System.nanoTime() - t2 < spec.limits().timeout().toNanos()) {
                    throw new InfrastructureException("lost the Docker daemon while the sandbox ran: " + firstLine(e.getMessage())
                            + " (was dockerd restarted? `agent-sandbox cleanup` removes what is left)", e);
                }
                ending = SandboxResult.Ending.TIMED_OUT;
                kill(id);
            }
            if (Thread.currentThread().isInterrupted()) {
                ending = SandboxResult.Ending.CANCELLED;
                kill(id);
            }
            t3 = System.nanoTime();
            attached.drain();
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(id).exec().getState();
            if (state.getExitCodeLong() != null) {
                exitCode = state.getExitCodeLong().intValue();
            }
            if (ending == SandboxResult.Ending.EXITED && Boolean.TRUE.equals(state.getOOMKilled())) {
                ending = SandboxResult.Ending.OUT_OF_MEMORY;
            }
            if (ending == SandboxResult.Ending.EXITED && exitCode == SIGTERM_EXIT) {
                // The runner never sends SIGTERM (timeouts kill): it came from a daemon shutdown or a
                // `docker stop` outside the run, so the result says nothing about the agent's work.
                throw new InfrastructureException("the sandbox was stopped from outside the run (SIGTERM: was the Docker daemon"
                        + " stopped or restarted, or the container stopped by hand?); nothing is committed. Run it again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ending = SandboxResult.Ending.CANCELLED;
            t3 = System.nanoTime();
        } catch (DockerException | DockerClientException e) {
            throw new InfrastructureException("the Docker daemon failed while the sandbox ran: " + firstLine(e.getMessage()), e);
        } finally {
            if (pids != null) {
                pids.close();
            }
            if (trace != null) {
                processes = trace.finish();
                trace.close();
            }
            if (traceWork != null) {
                try {
                    Files.deleteIfExists(traceGate.resolve("attached"));
                    Files.deleteIfExists(traceGate);
                    try (var files = Files.list(traceWork)) {
                        for (Path f : files.toList()) {
                            Files.deleteIfExists(f);
                        }
                    }
                    Files.deleteIfExists(traceWork);
                } catch (IOException e) {
                    // scratch is removed with the run
                }
            }
            remove(id);
            volumes.forEach(this::removeVolume);
        }
        long t4 = System.nanoTime();
        capture.finish();
        var timings = new SandboxResult.Timings(Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1),
                Duration.ofNanos(t3 - t2), Duration.ofNanos(t4 - t3));
        return new SandboxResult(exitCode, ending, capture.output(), capture.totalBytes(), capture.truncated(),
                timings, imageId, used, pids != null && pids.limitHit(), pids == null ? 0 : pids.peak(), processes);
    }

    /** Fails unless the daemon has this runtime: asking for gVisor never silently gets runc. */
    public void requireRuntime(String runtime, Tier tier) throws InfrastructureException {
        Map<String, ?> runtimes;
        try {
            runtimes = docker.infoCmd().exec().getRuntimes();
        } catch (DockerException e) {
            throw new InfrastructureException("cannot ask the Docker daemon for its runtimes: " + firstLine(e.getMessage()), e);
        }
        if (runtimes == null || !runtimes.containsKey(runtime)) {
            throw new InfrastructureException("runtime '" + runtime + "' (tier " + tier.id() + ") is not registered with the Docker daemon"
                    + " (it has: " + (runtimes == null ? "none" : String.join(", ", runtimes.keySet())) + "): "
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
            throw new InfrastructureException("cannot inspect image '" + image + "': " + firstLine(e.getMessage()), e);
        }
    }

    private String create(SandboxSpec spec, String name, List<String> volumes) throws InfrastructureException {
        Limits l = spec.limits();
        List<Bind> binds = new java.util.ArrayList<>();
        for (Mount m : spec.mounts()) {
            String source = m.hostPath().toString();
            if (m.overlay() != null) {
                source = name + "-" + volumes.size();
                createOverlayVolume(source, m, Labels.forSandbox(spec));
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
            live.add(created.getId());
            return created.getId();
        } catch (DockerException e) {
            overlayUnavailable(volumes, e);
            throw new InfrastructureException("the Docker daemon refused to create the sandbox: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * A local volume that dockerd mounts as overlayfs when the container starts: the sandbox writes
     * only the upper folder, the shared lower one is never changed. {@code userxattr} keeps the
     * overlay's own markers (opaque folders) readable on the host without privileges and turns
     * off redirects and metacopy, so every change lies whole in the upper folder.
     */
    private void createOverlayVolume(String volume, Mount m, Map<String, String> labels) throws InfrastructureException {
        String options = "lowerdir=" + m.overlay().lowers().stream().map(Object::toString).collect(java.util.stream.Collectors.joining(":"))
                + ",upperdir=" + m.hostPath() + ",workdir=" + m.overlay().work() + ",userxattr";
        try {
            docker.createVolumeCmd().withName(volume).withDriver("local").withLabels(labels)
                    .withDriverOpts(Map.of("type", "overlay", "device", "overlay", "o", options)).exec();
            liveVolumes.add(volume);
        } catch (DockerException e) {
            throw new InfrastructureException("the Docker daemon refused to create the overlay volume for " + m.containerPath()
                    + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Docker mounts a volume when the container is created or started; a failure there is the overlay's. */
    private static void overlayUnavailable(List<String> volumes, DockerException e) throws OverlayUnavailableException {
        String m = String.valueOf(e.getMessage());
        if (!volumes.isEmpty() && (m.contains("mount local volume") || m.contains("mounting volume"))) {
            throw new OverlayUnavailableException("the Docker host cannot mount an overlay workspace: " + firstLine(m), e);
        }
    }

    private Attached attach(String id, OutputCapture capture) throws InfrastructureException, InterruptedException {
        Attached a = new Attached(capture);
        docker.attachContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true).withLogs(false).exec(a);
        // Start only once the stream is open, so that no early output is lost.
        if (!a.awaitStarted(30, TimeUnit.SECONDS)) {
            a.close();
            throw new InfrastructureException("the Docker daemon did not open the output stream of the sandbox within 30 s");
        }
        return a;
    }

    private static void verifyRuntime(InspectContainerResponse started, String runtime) throws InfrastructureException {
        String actual = started.getHostConfig() == null ? null : started.getHostConfig().getRuntime();
        if (!runtime.equals(actual)) {
            throw new InfrastructureException("the sandbox runs under runtime '" + actual + "', not '" + runtime
                    + "' as asked: refusing to go on");
        }
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
        m.put("memoryBytes", h.getMemory());
        m.put("nanoCpus", h.getNanoCPUs());
        m.put("pidsLimit", h.getPidsLimit());
        m.put("tmpfs", h.getTmpFs());
        return m;
    }

    private void kill(String id) {
        try {
            docker.killContainerCmd(id).exec();
        } catch (DockerException ignored) {
            // Already gone or exited between the wait and the kill: removal follows either way.
        }
    }

    private void remove(String id) {
        removeTracked("container", id, live, () -> docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
    }

    private void removeVolume(String volume) {
        removeTracked("volume", volume, liveVolumes, () -> docker.removeVolumeCmd(volume).exec());
    }

    /** Removes one thing this tool made; what cannot be removed stays tracked for the shutdown hook and `cleanup` (by label). */
    private static void removeTracked(String kind, String id, Set<String> tracked, Runnable removal) {
        try {
            removal.run();
            tracked.remove(id);
        } catch (NotFoundException e) {
            tracked.remove(id);
        } catch (RuntimeException e) {
            System.err.println("agent-sandbox: could not remove " + kind + " " + id + ": " + firstLine(e.getMessage())
                    + " (`agent-sandbox cleanup` will)");
        }
    }

    private void removeLive() {
        for (String id : List.copyOf(live)) {
            remove(id);
        }
        for (String volume : List.copyOf(liveVolumes)) {
            removeVolume(volume);
        }
    }

    @Override
    public int cleanup(boolean all) throws InfrastructureException {
        List<Container> found;
        try {
            found = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.MANAGED, "true")).exec();
        } catch (DockerException e) {
            throw new InfrastructureException("cannot list containers: " + firstLine(e.getMessage()), e);
        }
        int removed = 0;
        for (Container c : found) {
            if (all || Labels.creatorIsGone(c.getLabels())) {
                remove(c.getId());
                removed++;
            }
        }
        // Volumes after containers: a volume still attached to a container cannot be removed.
        List<com.github.dockerjava.api.command.InspectVolumeResponse> volumes;
        try {
            volumes = docker.listVolumesCmd().withFilter("label", List.of(Labels.MANAGED + "=true")).exec().getVolumes();
        } catch (DockerException e) {
            throw new InfrastructureException("cannot list volumes: " + firstLine(e.getMessage()), e);
        }
        for (var v : volumes == null ? List.<com.github.dockerjava.api.command.InspectVolumeResponse>of() : volumes) {
            if (all || Labels.creatorIsGone(v.getLabels() == null ? Map.of() : v.getLabels())) {
                removeVolume(v.getName());
                removed++;
            }
        }
        return removed;
    }

    @Override
    public void stop(String runId) throws InfrastructureException {
        try {
            for (Container c : docker.listContainersCmd().withLabelFilter(Map.of(Labels.RUN, runId)).exec()) {
                kill(c.getId());
            }
        } catch (DockerException e) {
            throw new InfrastructureException("cannot stop the sandboxes of run " + runId + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Containers this tool created and still holds (for tests and diagnostics). */
    public Set<String> liveContainers() {
        return Set.copyOf(live);
    }

    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        removeLive();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or will run; nothing to undo.
        }
        try {
            docker.close();
        } catch (java.io.IOException e) {
            System.err.println("agent-sandbox: closing the Docker connection failed: " + e.getMessage());
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    /** The attach stream: feeds frames to the capture and lets the caller wait for the end. */
    private static final class Attached extends ResultCallback.Adapter<Frame> {
        private final OutputCapture capture;

        Attached(OutputCapture capture) {
            this.capture = capture;
        }

        @Override
        public void onNext(Frame frame) {
            OutputListener.Stream s = frame.getStreamType() == StreamType.STDERR ? OutputListener.Stream.STDERR : OutputListener.Stream.STDOUT;
            capture.accept(s, frame.getPayload());
        }

        void drain() throws InterruptedException {
            awaitCompletion(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            try {
                super.close();
            } catch (java.io.IOException e) {
                // The stream is done with; nothing left to read.
            }
        }
    }
}
