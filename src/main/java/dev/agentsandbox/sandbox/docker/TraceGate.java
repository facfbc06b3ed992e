package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.SandboxSpec;

import dev.agentsandbox.sandbox.Mount;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.trace.ProcessRecord;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The process trace of one gVisor sandbox: its command waits behind a gate (a shell builtin loop,
 * no process of its own to record) until the runsc trace session is attached, so nothing runs
 * unrecorded. The sandbox sees only the gate folder; the socket and session stay private.
 */
final class TraceGate implements AutoCloseable {
    static final String IN_SANDBOX = "/run/agent-sandbox-trace";

    private final Path work;
    private final Path gate;
    private ProcessTrace trace;

    private TraceGate(Path work, Path gate) {
        this.work = work;
        this.gate = gate;
    }

    static TraceGate create(Path traceDir) throws InfrastructureException {
        try {
            Path work = Files.createTempDirectory(traceDir, "trace-");
            Path gate = Files.createDirectory(work.resolve("gate"));
            Files.setPosixFilePermissions(gate, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new TraceGate(work, gate);
        } catch (IOException e) {
            throw new InfrastructureException("cannot make the process trace's folder under " + traceDir + ": " + e.getMessage(), e);
        }
    }

    /** The spec with its command behind the gate and the gate folder mounted read-only. */
    SandboxSpec gated(SandboxSpec spec) {
        List<String> command = new ArrayList<>(List.of("sh", "-c",
                "while [ ! -e " + IN_SANDBOX + "/attached ]; do :; done; exec \"$@\"", "agent-sandbox-gate"));
        command.addAll(spec.command());
        List<Mount> mounts = new ArrayList<>(spec.mounts());
        mounts.add(new Mount(gate, IN_SANDBOX, true));
        return new SandboxSpec(spec.runId(), spec.purpose(), spec.image(), command, spec.workdir(), spec.env(), mounts,
                spec.tier(), spec.runtime(), spec.limits(), spec.redactor(), spec.hosts());
    }

    /** Attaches the trace to the started container, then opens the gate. */
    void attach(String containerId, java.util.function.UnaryOperator<String> redactor, Consumer<ProcessRecord> onExec) throws IOException {
        trace = ProcessTrace.attach(containerId, work, redactor, onExec);
        Files.createFile(gate.resolve("attached"));
    }

    /** The records, once the sandbox ended (null when the trace was never attached). */
    ProcessTrace.Result finish() {
        return trace == null ? null : trace.finish();
    }

    @Override
    public void close() {
        if (trace != null) {
            trace.close();
        }
        try {
            Files.deleteIfExists(gate.resolve("attached"));
            Files.deleteIfExists(gate);
            try (var files = Files.list(work)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(work);
        } catch (IOException e) {
            // scratch is removed with the run
        }
    }
}
