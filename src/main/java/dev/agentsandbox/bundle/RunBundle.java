package dev.agentsandbox.bundle;

import dev.agentsandbox.audit.AuditLog;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.secrets.Redaction;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The run bundle: the folder a run writes and later stages (approve, merge, verify) and the CI
 * wrappers read. Its layout is fixed here and nowhere else.
 */
public final class RunBundle implements AutoCloseable {
    public static final String RUN_JSON = Layout.RUN_JSON;
    public static final String AUDIT = Layout.AUDIT;
    public static final String PATCH = Layout.PATCH;
    public static final String GATES = Layout.GATES;
    public static final String REPORTS = Layout.REPORTS;
    public static final String LOGS = Layout.LOGS;

    private final Path root;
    private final RunRecorder record;
    private final AuditLog audit;

    private RunBundle(Path root, RunRecorder record, AuditLog audit) {
        this.root = root;
        this.record = record;
        this.audit = audit;
    }

    /** Creates the bundle folder; refuses one that holds anything, so that no run overwrites another. */
    public static RunBundle create(Path dir, String runId, Clock clock) throws UsageException, InfrastructureException {
        try {
            if (Files.exists(dir)) {
                if (!Files.isDirectory(dir)) {
                    throw new UsageException("--bundle " + dir + " is a file: give a new or empty folder");
                }
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        throw new UsageException("--bundle " + dir + " is not empty (a bundle of an earlier run?): give a new folder");
                    }
                }
            }
            Files.createDirectories(dir.resolve(REPORTS));
            Files.createDirectories(dir.resolve(LOGS));
        } catch (IOException e) {
            throw new UsageException("cannot create the bundle folder " + dir + ": " + e.getMessage()
                    + " (give --bundle a writable place)", e);
        }
        Path root = dir.toAbsolutePath().normalize();
        return new RunBundle(root, new RunRecorder(root.resolve(RUN_JSON), runId, clock, Redaction::redact), AuditLog.open(root.resolve(AUDIT), clock, Redaction::redact));
    }

    public Path root() {
        return root;
    }

    public Path path(String name) {
        return root.resolve(name);
    }

    public RunRecorder record() {
        return record;
    }

    public void audit(String stage, String event, Map<String, ?> data) throws InfrastructureException {
        audit.append(stage, event, data);
    }

    public AuditLog auditLog() {
        return audit;
    }

    public void writeLog(String name, String text) throws InfrastructureException {
        write(root.resolve(LOGS).resolve(name), Redaction.redact(text).getBytes(StandardCharsets.UTF_8));
    }

    /** gates.json: each gate's {@code GateResult.toJson()}, redacted. */
    public void writeGates(List<Map<String, Object>> out) throws InfrastructureException {
        try {
            write(root.resolve(GATES), Redaction.redact(BundleJson.MAPPER.writeValueAsString(out)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfrastructureException("cannot write " + GATES + ": " + e.getMessage(), e);
        }
    }

    static void write(Path file, byte[] bytes) throws InfrastructureException {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write " + file + ": " + e.getMessage()
                    + " (is the disk full or the folder read-only?)", e);
        }
    }

    @Override
    public void close() throws InfrastructureException {
        audit.close();
    }

    /**
     * Records a run that cannot finish: run.json and the audit log say why. Returns the exception
     * for the caller to throw; a bundle that cannot be written (a full disk?) leaves it unchanged.
     */
    public AgentSandboxException failed(AgentSandboxException e) {
        try {
            record.finish(null, Outcome.ERROR, e.getMessage());
            audit.append("error", "run", Map.of("error", e.getMessage()));
        } catch (AgentSandboxException | RuntimeException ignored) {
            // the exception itself still says why
        }
        return e;
    }
}
