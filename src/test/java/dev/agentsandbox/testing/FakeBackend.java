package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A sandbox backend with no sandbox, for the pipeline's and the bundle's logic in seconds: the
 * "agent" is Java code (or a test's own shell line) editing the workspace folder the pipeline
 * mounts, and each check exits as the test says. It reports what a holding gVisor sandbox reports.
 * Only a test's own, trusted code runs here; the integration tests run the same pipeline in real
 * gVisor sandboxes.
 */
public final class FakeBackend implements SandboxBackend {
    /** The agent's edit of the workspace; returns its exit status. */
    public interface Agent {
        int edit(Path workspace) throws IOException;
    }

    final Agent agent;
    final Map<String, Integer> checkExits;
    /** The purposes of the sandboxes started, in order ("agent", then each check's name). */
    public final List<String> ran = new ArrayList<>();
    /** What the boundary probe reports; a test may make it report a leak. */
    public Function<SandboxSpec, String> probe = FakeBackend::heldReport;
    /** Thrown by every check's sandbox, when set: the backend failing mid-run. */
    public InfrastructureException failCheck;

    public FakeBackend(Agent agent, Map<String, Integer> checkExits) {
        this.agent = agent;
        this.checkExits = checkExits;
    }

    /** An agent that is a test's shell line, run on the host in the workspace folder with an empty environment. */
    public static FakeBackend shell(String script) {
        return new FakeBackend(ws -> {
            ProcessBuilder b = new ProcessBuilder("sh", "-c", script).directory(ws.toFile()).redirectErrorStream(true);
            b.environment().clear();
            b.environment().put("PATH", "/usr/bin:/bin");
            Process p = b.start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("the test's agent line did not end: " + script);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return p.exitValue();
        }, Map.of());
    }

    public static String heldReport(SandboxSpec spec) {
        StringBuilder b = new StringBuilder("agent-sandbox-probe net none\nagent-sandbox-probe cap 0000000000000000\n"
                + "agent-sandbox-probe uid 65534 65534 65534 65534\nagent-sandbox-probe root read-only\n"
                + "agent-sandbox-probe kernel Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016\n");
        spec.env().keySet().forEach(k -> b.append("agent-sandbox-probe env ").append(k).append('\n'));
        return b.append("agent-sandbox-probe end\n").toString();
    }

    @Override
    public String kind() {
        return "docker";
    }

    @Override
    public SandboxResult run(SandboxSpec spec, OutputListener output) throws AgentSandboxException {
        ran.add(spec.purpose());
        assertThat(spec.runtime()).isEqualTo("runsc"); // isolation as resolved, never weakened on the way
        Path ws = spec.mounts().stream().filter(m -> m.containerPath().equals("/workspace")).map(Mount::hostPath).findFirst().orElseThrow();
        int exit;
        if (spec.purpose().equals("agent")) {
            try {
                exit = agent.edit(ws);
            } catch (IOException e) {
                throw new InfrastructureException("fake agent: " + e.getMessage(), e);
            }
        } else {
            if (failCheck != null) {
                throw failCheck;
            }
            exit = checkExits.getOrDefault(spec.purpose(), 0);
        }
        StringBuilder out = new StringBuilder();
        if (spec.command().contains("agent-sandbox-probe")) {
            // what the boundary probe prints in a sandbox that holds (gVisor's kernel, no network, no capabilities)
            out.append(probe.apply(spec));
        }
        out.append(spec.purpose()).append(" done\n");
        output.line(OutputListener.Stream.STDOUT, spec.purpose() + " done");
        return new SandboxResult(exit, SandboxResult.Ending.EXITED, out.toString(), out.toString().getBytes(StandardCharsets.UTF_8).length, false,
                new SandboxResult.Timings(Duration.ZERO, Duration.ZERO, Duration.ofMillis(5), Duration.ZERO), "sha256:fake",
                Map.of("runtime", spec.runtime(), "network", "none"), false, 1, null);
    }

    @Override
    public String servicesRuntime(dev.agentsandbox.config.Tier tier, String runtime) throws dev.agentsandbox.error.InfrastructureException {
        throw dev.agentsandbox.sandbox.SandboxBackend.noServices("fake");
    }

    @Override
    public java.util.List<String> imageCommand(String image) throws dev.agentsandbox.error.InfrastructureException {
        throw dev.agentsandbox.sandbox.SandboxBackend.noServices("fake");
    }

    @Override
    public void stop(String runId) {
    }

    @Override
    public int cleanup(boolean all) {
        return 0;
    }

    @Override
    public void close() {
    }
}
