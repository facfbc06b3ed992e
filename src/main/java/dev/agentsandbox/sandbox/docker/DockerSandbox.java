package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.SandboxSpec;

import dev.agentsandbox.sandbox.SandboxResult;

import dev.agentsandbox.sandbox.SandboxBackend;

import dev.agentsandbox.sandbox.OutputListener;

import dev.agentsandbox.sandbox.OutputCapture;

import dev.agentsandbox.config.Tier;

import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.agentsandbox.error.InfrastructureException;
import java.security.SecureRandom;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

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

    private final ApacheDockerHttpClient http;
    private final DockerApi api;
    private final String endpoint;
    private final DockerHost host;
    private final DockerReaper reaper;
    private final SecureRandom random = new SecureRandom();
    private volatile Path traceDir;
    private volatile java.util.function.Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec;

    DockerSandbox(ApacheDockerHttpClient http, DockerApi api, String endpoint) {
        this.http = http;
        this.api = api;
        this.endpoint = endpoint;
        this.host = new DockerHost(api);
        this.reaper = new DockerReaper(api);
    }

    /** Connects to the daemon named by DOCKER_HOST (or the default socket) and checks it answers. */
    public static DockerSandbox connect() throws InfrastructureException {
        return DockerConnection.open().sandbox();
    }

    @Override
    public SandboxResult run(SandboxSpec spec, OutputListener output) throws InfrastructureException {
        try {
            return runOnce(spec, output);
        } catch (RuntimeException e) {
            // The transport reports a broken connection to the daemon as an unchecked I/O error.
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
    @Override
    public void traceProcesses(Path dir) {
        this.traceDir = dir;
    }

    @Override
    public void onExec(java.util.function.Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec) {
        this.onExec = onExec;
    }

    private SandboxResult runOnce(SandboxSpec spec, OutputListener output) throws InfrastructureException {
        host.requireRuntime(spec.runtime(), spec.tier());
        String imageId = host.imageId(spec.image());
        TraceGate gate = traceDir != null && spec.tier() == Tier.GVISOR ? TraceGate.create(traceDir) : null;
        if (gate != null) {
            spec = gate.gated(spec);
        }
        OutputCapture capture = new OutputCapture(spec.redactor(), output, spec.limits().maxOutputBytes());
        long t0 = System.nanoTime();
        String name = "agent-sandbox-" + spec.runId() + "-" + spec.purpose() + "-" + HexFormat.of().formatHex(random.generateSeed(3));
        long t1 = t0;
        long t2 = t0;
        long t3 = t0;
        SandboxResult.Ending ending = SandboxResult.Ending.EXITED;
        int exitCode = -1;
        Map<String, Object> used = Map.of();
        PidsWatch pids = null;
        ProcessTrace.Result processes = null;
        try (TraceGate g = gate; DockerContainer c = DockerContainer.create(api, reaper, spec, name); Attached attached = attach(c.id(), capture)) {
            try {
                t1 = System.nanoTime();
                c.start(spec);
                t2 = System.nanoTime();
                pids = PidsWatch.start(c.id());
                used = c.verifyStarted(spec);
                if (g != null) {
                    attachTrace(g, c, spec);
                }
                Integer exited = ExitWait.await(api, c.id(), spec.limits().timeout());
                if (exited == null) {
                    ending = SandboxResult.Ending.TIMED_OUT;
                    c.kill();
                } else {
                    exitCode = exited;
                }
                if (Thread.currentThread().isInterrupted()) {
                    ending = SandboxResult.Ending.CANCELLED;
                    c.kill();
                }
                t3 = System.nanoTime();
                if (!attached.drain()) {
                    capture.accept(OutputListener.Stream.STDERR, ("agent-sandbox: the sandbox's output did not end within "
                            + DRAIN_TIMEOUT.toSeconds() + " s of its exit; what came after is not shown\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                DockerContainer.State state = c.state();
                if (state.exitCode() != null) {
                    exitCode = state.exitCode().intValue();
                }
                if (ending == SandboxResult.Ending.EXITED && state.oomKilled()) {
                    ending = SandboxResult.Ending.OUT_OF_MEMORY;
                }
                if (ending == SandboxResult.Ending.EXITED && exitCode == SIGTERM_EXIT) {
                    // The runner never sends SIGTERM (timeouts kill): it came from a daemon shutdown or a
                    // `docker stop` outside the run, so the result says nothing about the agent's work.
                    throw new InfrastructureException("the sandbox was stopped from outside the run (SIGTERM: was the Docker daemon"
                            + " stopped or restarted, or the container stopped by hand?); nothing is committed. Run it again");
                }
            } finally {
                if (pids != null) {
                    pids.close();
                }
                if (g != null) {
                    processes = g.finish(); // before the container goes: the trace reads to its end
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ending = SandboxResult.Ending.CANCELLED;
            t3 = System.nanoTime();
        }
        long t4 = System.nanoTime();
        capture.finish();
        var timings = new SandboxResult.Timings(Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1),
                Duration.ofNanos(t3 - t2), Duration.ofNanos(t4 - t3));
        return new SandboxResult(exitCode, ending, capture.output(), capture.totalBytes(), capture.truncated(),
                timings, imageId, used, pids != null && pids.limitHit(), pids == null ? 0 : pids.peak(), processes);
    }

    /** Attaches the process trace and opens the gate; a sandbox whose trace cannot be attached is stopped before its command runs. */
    private void attachTrace(TraceGate g, DockerContainer c, SandboxSpec spec) throws InfrastructureException {
        try {
            g.attach(c.id(), spec.redactor(), onExec);
        } catch (IOException e) {
            String gone = c.stoppedFromOutside();
            if (gone == null && !ProcessTrace.sandboxRuns(c.id())) {
                gone = "its runsc processes have ended";
            }
            c.kill();
            if (gone != null) {
                throw new InfrastructureException("the sandbox was stopped from outside while its process trace was attached ("
                        + gone + "): was the Docker daemon restarted? Nothing is committed; run it again", e);
            }
            throw new InfrastructureException("cannot record the sandbox's processes (" + e.getMessage() + "); the sandbox was"
                    + " stopped before its command ran. Run as root or with passwordless sudo for runsc, or set"
                    + " `sandbox.process-log: false` to run without the process log (docs/hosts.md)", e);
        }
    }

    /** The container's output stream, open before it starts, so that no early output is lost. */
    private Attached attach(String id, OutputCapture capture) throws InfrastructureException {
        return Attached.open(api, id, (stream, bytes) -> capture.accept(
                stream == Attached.STDERR ? OutputListener.Stream.STDERR : OutputListener.Stream.STDOUT, bytes), DRAIN_TIMEOUT);
    }

    @Override
    public String servicesRuntime(Tier tier, String runtime) throws InfrastructureException {
        return host.servicesRuntime(tier, runtime);
    }

    @Override
    public java.util.List<String> imageCommand(String image) throws InfrastructureException {
        return host.imageCommand(image);
    }

    @Override
    public int cleanup(boolean all) throws InfrastructureException {
        return reaper.cleanup(all);
    }

    @Override
    public void stop(String runId) throws InfrastructureException {
        reaper.stop(runId);
    }

    /** Containers this tool created and still holds (for tests and diagnostics). */
    public Set<String> liveContainers() {
        return reaper.liveContainers();
    }

    public String endpoint() {
        return endpoint;
    }

    /** The daemon's runtimes and images, as runs check them. */
    public DockerHost host() {
        return host;
    }

    @Override
    public void close() {
        reaper.close();
        DockerConnection.close(http);
    }

    /** The first line of an error message from a daemon or an API server, for a one-line report. */
    public static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
