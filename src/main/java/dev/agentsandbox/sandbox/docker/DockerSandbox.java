package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.SandboxSpec;

import dev.agentsandbox.sandbox.SandboxResult;

import dev.agentsandbox.sandbox.SandboxBackend;

import dev.agentsandbox.sandbox.OutputListener;

import dev.agentsandbox.sandbox.OutputCapture;

import dev.agentsandbox.config.Tier;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.agentsandbox.error.InfrastructureException;
import java.security.SecureRandom;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
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
    private final DockerApi api;
    private final String endpoint;
    private final DockerHost host;
    private final DockerReaper reaper;
    private final SecureRandom random = new SecureRandom();
    private volatile Path traceDir;
    private volatile java.util.function.Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec;

    DockerSandbox(DockerClient docker, DockerApi api, String endpoint) {
        this.docker = docker;
        this.api = api;
        this.endpoint = endpoint;
        this.host = new DockerHost(api);
        this.reaper = new DockerReaper(api);
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
                try {
                    exitCode = docker.waitContainerCmd(c.id()).exec(new WaitContainerResultCallback())
                            .awaitStatusCode(spec.limits().timeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (DockerClientException e) {
                    // docker-java reports a timeout and a broken wait stream with the same exception.
                    if (System.nanoTime() - t2 < spec.limits().timeout().toNanos()) {
                        throw new InfrastructureException("lost the Docker daemon while the sandbox ran: " + firstLine(e.getMessage())
                                + " (was dockerd restarted? `agent-sandbox cleanup` removes what is left)", e);
                    }
                    ending = SandboxResult.Ending.TIMED_OUT;
                    c.kill();
                }
                if (Thread.currentThread().isInterrupted()) {
                    ending = SandboxResult.Ending.CANCELLED;
                    c.kill();
                }
                t3 = System.nanoTime();
                attached.drain();
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
        } catch (DockerException | DockerClientException e) {
            throw new InfrastructureException("the Docker daemon failed while the sandbox ran: " + firstLine(e.getMessage()), e);
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
        try {
            docker.close();
        } catch (java.io.IOException e) {
            System.err.println("agent-sandbox: closing the Docker connection failed: " + e.getMessage());
        }
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
