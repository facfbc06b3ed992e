package dev.agentsandbox.gate.command;

import dev.agentsandbox.config.ServiceConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.sandbox.SandboxTemplate;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The services of one check (checks.NAME.services), started before it and torn down after it,
 * whatever happens. Each runs in a sandbox of its own with the check's tier and hardening: no
 * network, read-only root, no capabilities, uid 65534. The only way between a service and its
 * check is a socket per port in a folder only the two mount, which the service's sandbox binds
 * once it is ready, and which the check's sandbox reaches at a loopback address its name
 * resolves to. There is no route to the host, to another check's services, or anywhere else.
 */
public final class CheckServices implements AutoCloseable {
    /** Where a service's sandbox binds its sockets. */
    static final String IN_SERVICE = "/run/agent-sandbox-service";
    /** Where the check's sandbox finds each service's sockets (one folder per service). */
    static final String IN_CHECK = "/run/agent-sandbox-services";
    private static final String SERVICE_SCRIPT = dev.agentsandbox.sandbox.SandboxScripts.load(CheckServices.class, "service.sh", Map.of());
    private static final String CHECK_SCRIPT = dev.agentsandbox.sandbox.SandboxScripts.load(CheckServices.class, "services.sh", Map.of());
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    /** Shorter values are not redacted: a throwaway password such as "test" would blank out words of every log. */
    private static final int MIN_SECRET = 8;

    /** What the run gives the services: a fresh folder per service (on a disk of bounded size), and the host's variables. */
    public interface Host {
        Path folder(String name) throws AgentSandboxException;

        String variable(String name);
    }

    private record Started(ServiceConfig config, String runId, String address, Path folder, CompletableFuture<SandboxResult> result) {
    }

    private final String check;
    private final SandboxBackend backend;
    private final List<Started> started = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();
    private final Path reportDir;
    private final List<String> secrets = new ArrayList<>();
    private boolean closed;

    private CheckServices(String check, SandboxBackend backend, Path reportDir) {
        this.check = check;
        this.backend = backend;
        this.reportDir = reportDir;
    }

    /**
     * Starts every service of a check and waits until each is ready or cannot be. The caller runs
     * the check only when {@link #ready()}; closing tears them down in every case.
     */
    public static CheckServices start(String check, List<ServiceConfig> services, SandboxBackend backend, SandboxTemplate template,
                                      Host host, Path reportDir) throws AgentSandboxException {
        CheckServices s = new CheckServices(check, backend, reportDir);
        try {
            String runtime = backend.servicesRuntime(template.tier(), template.runtime());
            for (int i = 0; i < services.size(); i++) {
                s.launch(services.get(i), i, runtime, template, host);
            }
            s.awaitReady();
            return s;
        } catch (AgentSandboxException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void launch(ServiceConfig svc, int index, String runtime, SandboxTemplate template, Host host) throws AgentSandboxException {
        Path folder = host.folder("service-" + check + "." + svc.name()); // '.' is in neither name: no two services share one
        Map<String, String> env = new LinkedHashMap<>(svc.env());
        List<String> secrets = new ArrayList<>();
        for (Map.Entry<String, String> e : svc.hostEnv().entrySet()) {
            String value = host.variable(e.getValue());
            if (value == null) {
                throw new InfrastructureException("checks." + check + ".services " + svc.name() + ": host variable " + e.getValue()
                        + " (for " + e.getKey() + ") is not set; set it in the job's environment or remove it from host-env");
            }
            env.put(e.getKey(), value);
            secrets.add(value);
            this.secrets.add(value);
        }
        env.put("AGENT_SANDBOX_SERVICE_PORTS", String.join(" ", svc.ports().stream().map(String::valueOf).toList()));
        env.put("AGENT_SANDBOX_SERVICE_HEALTH", svc.health() == null ? "" : shell(svc.health()));
        List<String> command = new ArrayList<>(List.of("sh", "-c", SERVICE_SCRIPT, "agent-sandbox-service"));
        List<String> argv = svc.command() != null ? svc.command() : backend.imageCommand(svc.image());
        if (argv.isEmpty()) {
            throw new InfrastructureException("service " + svc.name() + " of " + check + ": image " + svc.image()
                    + " has no entrypoint or command; give the service a command");
        }
        command.addAll(argv);
        Limits l = template.limits();
        // the service lives as long as its check may, plus its start; it is stopped when the check ends
        Limits limits = new Limits(svc.cpus() != null ? svc.cpus() : l.cpus(), svc.memoryBytes() != null ? svc.memoryBytes() : l.memoryBytes(),
                l.pids(), l.tmpfsBytes(), l.timeout().plus(svc.healthTimeout()).plusMinutes(1), l.maxOutputBytes());
        String runId = serviceRunId(template.runId(), index);
        UnaryOperator<String> redactor = redactor(template.redactor(), secrets);
        SandboxSpec spec = new SandboxSpec(runId, "service", svc.image(), command, "/", env, List.of(new Mount(folder, IN_SERVICE, false)),
                template.tier(), runtime, limits, redactor);
        CompletableFuture<SandboxResult> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(backend.run(spec, (stream, line) -> { }));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "service-" + svc.name());
        t.setDaemon(true);
        started.add(new Started(svc, runId, "127.0.0." + (2 + index), folder, result));
        t.start();
    }

    /** A run id of its own per service, so that stopping it stops nothing else. */
    static String serviceRunId(String runId, int index) {
        String suffix = ".svc" + index;
        return (runId.length() + suffix.length() > 64 ? runId.substring(0, 64 - suffix.length()) : runId) + suffix;
    }

    /** Waits until every service has marked its folder ready, or one has ended or run out of its health timeout. */
    private void awaitReady() throws AgentSandboxException {
        long t0 = System.nanoTime();
        List<Started> waiting = new ArrayList<>(started);
        while (!waiting.isEmpty() && findings.isEmpty()) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            for (var it = waiting.iterator(); it.hasNext(); ) {
                Started s = it.next();
                String name = "service " + s.config().name() + " of " + check;
                if (Files.exists(s.folder().resolve("ready"), LinkOption.NOFOLLOW_LINKS)) {
                    it.remove();
                } else if (s.result().isCompletedExceptionally()) {
                    // the host could not run it (an image gone, a limit the daemon refuses, a trace that would not attach): not the change's fault
                    throw new InfrastructureException("service " + s.config().name() + " of " + check + " could not run: " + ending(s));
                } else if (s.result().isDone()) {
                    it.remove();
                    findings.add(Finding.of(check, "service-exited", Verdict.FAIL, name + " ended before it was ready (" + ending(s)
                            + "); the check did not run. Its log is in reports/checks/" + check + ".services/"));
                } else if (elapsed.compareTo(s.config().healthTimeout()) > 0) {
                    it.remove();
                    findings.add(Finding.of(check, "service-unhealthy", Verdict.FAIL, name + " was not ready within "
                            + s.config().healthTimeout().toSeconds() + " s (" + (s.config().health() == null
                            ? "its ports " + s.config().ports() + " did not listen" : "its health command did not pass")
                            + "); the check did not run. Its log is in reports/checks/" + check + ".services/"));
                }
            }
            if (!waiting.isEmpty() && findings.isEmpty()) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InfrastructureException("interrupted while the services of " + check + " started", e);
                }
            }
        }
    }

    private static String ending(Started s) {
        try {
            SandboxResult r = s.result().getNow(null);
            return r.ending() == SandboxResult.Ending.EXITED ? "exit status " + r.exitCode() : r.ending().id();
        } catch (java.util.concurrent.CompletionException e) {
            return firstLine(e.getCause());
        }
    }

    /** Whether every service is ready; if not, {@link #findings()} says which and why. */
    public boolean ready() {
        return findings.isEmpty();
    }

    public List<Finding> findings() {
        return List.copyOf(findings);
    }

    /** The check's sandbox, reaching its services: the names, the socket folders (read-only), the bridges before its command. */
    public SandboxSpec around(SandboxSpec spec) {
        List<String> hosts = new ArrayList<>();
        List<Mount> mounts = new ArrayList<>(spec.mounts());
        List<String> entries = new ArrayList<>();
        for (Started s : started) {
            hosts.add(s.config().name() + ":" + s.address());
            String dir = IN_CHECK + "/" + s.config().name();
            mounts.add(new Mount(s.folder(), dir, true));
            s.config().ports().forEach(p -> entries.add(s.address() + ":" + p + ":" + dir + "/" + p + ".sock"));
        }
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        env.put("AGENT_SANDBOX_SERVICES", String.join(" ", entries));
        List<String> command = new ArrayList<>(List.of("sh", "-c", CHECK_SCRIPT, "agent-sandbox-services"));
        command.addAll(spec.command());
        // a service may well say its secrets to the check (a greeting, an error): the check's output is redacted of them too
        return new SandboxSpec(spec.runId(), spec.purpose(), spec.image(), command, spec.workdir(), env, mounts, spec.tier(),
                spec.runtime(), spec.limits(), redactor(spec.redactor(), secrets), hosts);
    }

    /** Takes the services' host-env values out of text the check wrote (its reports, their failure messages). */
    public String scrub(String text) {
        return redactor(UnaryOperator.identity(), secrets).apply(text);
    }

    /** Whether any service was given a host variable's value that {@link #scrub} takes out. */
    public boolean hasSecrets() {
        return secrets.stream().anyMatch(v -> v.length() >= MIN_SECRET);
    }

    /** Stops every service (their sandboxes are removed as every sandbox is) and keeps their logs in reports/checks/CHECK.services/. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // stopped until their sandboxes have ended: one still being created when the first stop came is stopped by a later one
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        boolean interrupted = Thread.interrupted();
        List<Started> running = new ArrayList<>(started);
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            for (Started s : running) {
                try {
                    backend.stop(s.runId());
                } catch (AgentSandboxException | RuntimeException e) {
                    // tried again below; the sandbox's own timeout and the reaper remove it still
                }
            }
            running.removeIf(s -> s.result().isDone());
            if (!running.isEmpty()) {
                try {
                    CompletableFuture.anyOf(running.stream().map(Started::result).toArray(CompletableFuture[]::new)).get(500, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // looked at again on the next round
                } catch (InterruptedException e) {
                    interrupted = true; // the services are stopped still; the flag is set again after
                }
                running.removeIf(s -> s.result().isDone());
            }
        }
        for (Started s : started) {
            String log;
            try {
                SandboxResult r = s.result().get(1, TimeUnit.SECONDS);
                log = r.output();
            } catch (ExecutionException e) {
                log = "agent-sandbox: the service's sandbox could not run: " + firstLine(e.getCause()) + "\n";
            } catch (TimeoutException e) {
                log = "agent-sandbox: the service's sandbox did not end within " + STOP_WAIT.toSeconds() + " s of being stopped\n";
            } catch (InterruptedException e) {
                interrupted = true;
                log = "agent-sandbox: interrupted while the service stopped\n";
            }
            writeLog(s.config().name(), log);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Each service's sandbox result, by name, once closed; null for one whose sandbox ended without
     * a result (it could not run, or did not end when stopped), which has no process log to judge.
     */
    public Map<String, SandboxResult> results() {
        Map<String, SandboxResult> out = new LinkedHashMap<>();
        for (Started s : started) {
            out.put(s.config().name(), s.result().isDone() && !s.result().isCompletedExceptionally() ? s.result().join() : null);
        }
        return out;
    }

    private void writeLog(String service, String text) {
        if (reportDir == null) {
            return;
        }
        try {
            Path log = reportDir.resolve("checks").resolve(check + ".services").resolve(service + ".log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            findings.add(Finding.of(check, "service-log", Verdict.FAIL, "cannot keep the log of service " + service + ": " + e.getMessage()));
        }
    }

    /** The run's redaction, and the values read from host variables, wherever they appear in the service's output. */
    private static UnaryOperator<String> redactor(UnaryOperator<String> base, List<String> secrets) {
        List<String> values = secrets.stream().filter(v -> v.length() >= MIN_SECRET).toList();
        if (values.isEmpty()) {
            return base;
        }
        Function<String, String> scrub = line -> {
            String out = line;
            for (String v : values) {
                out = out.replace(v, "[redacted: host-env]");
            }
            return out;
        };
        return line -> base.apply(scrub.apply(line));
    }

    /** An argv as one sh command line, each word single-quoted. */
    static String shell(List<String> argv) {
        if (argv.size() == 3 && argv.get(0).equals("sh") && argv.get(1).equals("-c")) {
            return argv.get(2);
        }
        return String.join(" ", argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
    }

    private static String firstLine(Throwable t) {
        String m = t == null || t.getMessage() == null ? String.valueOf(t) : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
