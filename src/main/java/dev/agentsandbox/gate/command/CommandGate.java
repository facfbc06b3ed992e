package dev.agentsandbox.gate.command;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.change.PathGlob;
import dev.agentsandbox.config.CheckConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A user command (lint, tests) run on a fresh view of the head tree in a fresh sandbox with the
 * agent's isolation: the code the agent wrote is untrusted too, and one check cannot leave
 * anything behind for the next.
 */
public final class CommandGate implements Gate {
    private static final int MAX_FAILURE_FINDINGS = 100;

    private final CheckConfig check;
    private final String defaultImage;
    private final SandboxBackend backend;
    private final SandboxTemplate template;
    private final OutputListener output;
    private final CheckEgress egress;
    private SandboxHook onSandbox = (check, result) -> { };
    private CheckServices.Host services;

    /** What happens with a check's sandbox result as it ends; a failure there fails the run (the record must be whole). */
    @FunctionalInterface
    public interface SandboxHook {
        void ended(String check, SandboxResult result) throws InfrastructureException;

        /** A service of the check, as it ended: the check can steer what runs in it. */
        default void serviceEnded(String check, String service, SandboxResult result) throws InfrastructureException {
        }
    }

    /** @param output where the check's redacted output is shown live */
    public CommandGate(CheckConfig check, String defaultImage, SandboxBackend backend, SandboxTemplate template, OutputListener output) {
        this(check, defaultImage, backend, template, output, null);
    }

    /** @param egress the check's way to the package registries, or null: none (no network at all) */
    public CommandGate(CheckConfig check, String defaultImage, SandboxBackend backend, SandboxTemplate template, OutputListener output,
                       CheckEgress egress) {
        this.egress = egress;
        this.check = check;
        this.defaultImage = defaultImage;
        this.backend = backend;
        this.template = check.timeout() == null ? template : template.withTimeout(check.timeout());
        this.output = output;
    }

    /** Called with the check's sandbox result as it ends (its process log goes to the audit log there). */
    public CommandGate onSandbox(SandboxHook hook) {
        this.onSandbox = hook;
        return this;
    }

    /** Where the check's services (checks.NAME.services) get their folders and host variables. */
    public CommandGate withServices(CheckServices.Host host) {
        this.services = host;
        return this;
    }

    @Override
    public String name() {
        return check.name();
    }

    @Override
    public GateResult evaluate(GateContext context) throws AgentSandboxException {
        long t0 = System.nanoTime();
        String image = check.image() == null ? defaultImage : check.image();
        List<Finding> findings = new ArrayList<>();
        SandboxResult r;
        UnaryOperator<String> scrub = UnaryOperator.identity();
        if (check.services().isEmpty()) {
            r = runCheck(context, image, null);
        } else {
            if (services == null) {
                throw new InfrastructureException("check " + check.name() + " names services, and this run gives none");
            }
            CheckServices started = CheckServices.start(check.name(), check.services(), backend, template, services, context.reportDirectory());
            try {
                if (!started.ready()) {
                    started.close();
                    for (Map.Entry<String, SandboxResult> e : started.results().entrySet()) {
                        onSandbox.serviceEnded(check.name(), e.getKey(), e.getValue());
                    }
                    findings.addAll(started.findings());
                    return GateResult.of(name(), findings, Duration.ofNanos(System.nanoTime() - t0),
                            new GateDetails.Check(-1, "not-run", image, null, Map.of(), null));
                }
                r = runCheck(context, image, started);
            } finally {
                started.close();
            }
            for (Map.Entry<String, SandboxResult> e : started.results().entrySet()) {
                onSandbox.serviceEnded(check.name(), e.getKey(), e.getValue());
            }
            findings.addAll(started.findings());
            if (started.hasSecrets()) {
                scrub = started::scrub;
            }
        }
        onSandbox.ended(check.name(), r);
        if (context.checkTrees().overQuota(check.name())) {
            findings.add(Finding.of(name(), "disk-quota", Verdict.FAIL, check.name() + " over its "
                    + context.checkTrees().quota(check.name()) + " disk quota (sandbox.disk): it filled its disk"));
        }
        switch (r.ending()) {
            case TIMED_OUT -> findings.add(Finding.of(name(), "timeout", Verdict.FAIL,
                    check.name() + " did not finish within " + template.limits().timeout().toSeconds() + " s"));
            case OUT_OF_MEMORY -> findings.add(Finding.of(name(), "out-of-memory", Verdict.FAIL, check.name() + " ran out of memory"));
            case CANCELLED -> findings.add(Finding.of(name(), "cancelled", Verdict.FAIL, check.name() + " was cancelled"));
            case EXITED -> {
                if (r.exitCode() != 0 && r.pidsLimitHit()) {
                    findings.add(Finding.of(name(), "pids-limit", Verdict.FAIL, check.name() + " was stopped by the process limit of "
                            + template.limits().pids() + " (exit status " + r.exitCode() + "); raise sandbox.pids"));
                } else if (r.exitCode() != 0) {
                    findings.add(Finding.of(name(), "exit-status", Verdict.FAIL,
                            check.name() + " exited with status " + r.exitCode() + ": " + lastLines(r.output(), 3)));
                }
            }
        }
        GateDetails.Check.Junit counts = null;
        if (check.junit() != null) {
            UnaryOperator<String> scrubbed = scrub;
            JunitResults junit = readJunit(context.checkTrees().written(check.name()), context, findings);
            counts = new GateDetails.Check.Junit(junit.tests(), junit.failures(), junit.errors(), junit.skipped());
            junit.failed().stream().limit(MAX_FAILURE_FINDINGS).forEach(f -> findings.add(
                    Finding.of(name(), "test-failed", Verdict.FAIL, scrubbed.apply(f.testcase() + ": " + f.message()))));
        }
        writeLog(context.reportDirectory(), r.output());
        return GateResult.of(name(), findings, Duration.ofNanos(System.nanoTime() - t0),
                new GateDetails.Check(r.exitCode(), r.ending().id(), image, r.imageId(), r.timings().millis(), counts));
    }

    /** The check's own sandbox, with its egress route and its services where it has them. */
    private SandboxResult runCheck(GateContext context, String image, CheckServices services) throws AgentSandboxException {
        Mount tree = context.checkTrees().fresh(check.name(), "/workspace");
        if (egress == null) {
            return backend.run(withServices(template.spec(check.name(), image, check.command(), Map.of(), List.of(tree)), services), output);
        }
        try (CheckEgress.Route route = egress.open(check.name())) {
            List<Mount> mounts = new ArrayList<>(List.of(tree));
            mounts.addAll(route.mounts());
            return backend.run(withServices(template.spec(check.name(), image, route.command(check.command()), route.env(), mounts),
                    services), output);
        }
    }

    private static dev.agentsandbox.sandbox.SandboxSpec withServices(dev.agentsandbox.sandbox.SandboxSpec spec, CheckServices services) {
        return services == null ? spec : services.around(spec);
    }

    /**
     * Reads the JUnit XML the check wrote. A report committed in the repository and left as it
     * was is not the check's result (an agent could plant a passing one), so it does not count.
     */
    private JunitResults readJunit(Path tree, GateContext context, List<Finding> findings) {
        Path reportDir = context.reportDirectory();
        PathGlob glob = PathGlob.of("/" + check.junit());
        JunitResults all = JunitResults.empty();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(tree)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> glob.matches(tree.relativize(p).toString())).sorted().forEach(files::add);
        } catch (IOException e) {
            findings.add(Finding.of(name(), "junit-unreadable", Verdict.FAIL, "cannot list the JUnit XML files: " + e.getMessage()));
            return all;
        }
        int counted = 0;
        long total = 0;
        if (files.size() > MAX_REPORTS) {
            findings.add(Finding.of(name(), "junit-too-many", Verdict.FAIL, check.name() + " wrote " + files.size() + " files matching "
                    + check.junit() + ": only the first " + MAX_REPORTS + " are read"));
            files = files.subList(0, MAX_REPORTS);
        }
        for (Path f : files) {
            String rel = tree.relativize(f).toString();
            try {
                // bounded before anything is read: a report is the check's output, and the check runs the agent's code
                long size = Files.size(f);
                if (size > MAX_REPORT_BYTES || total + size > MAX_REPORTS_TOTAL) {
                    findings.add(Finding.at(name(), "junit-too-large", Verdict.FAIL, rel + " is " + size + " bytes: reports are read up to "
                            + MAX_REPORT_BYTES + " bytes each and " + MAX_REPORTS_TOTAL + " in all; it is neither read nor kept", rel, 0));
                    continue;
                }
                total += size;
                if (committedAsIs(context, rel, f)) {
                    continue;
                }
                counted++;
                all = all.plus(JunitResults.read(f));
                if (reportDir != null) {
                    Path dst = reportDir.resolve("checks").resolve(check.name()).resolve(rel);
                    Files.createDirectories(dst.getParent());
                    Files.copy(f, dst, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                }
            } catch (IOException e) {
                findings.add(Finding.at(name(), "junit-invalid", Verdict.FAIL, rel + ": " + e.getMessage(), rel, 0));
            }
        }
        if (counted == 0) {
            findings.add(Finding.of(name(), "junit-missing", Verdict.FAIL,
                    check.name() + " wrote no JUnit XML matching " + check.junit()));
        }
        return all;
    }

    private void writeLog(Path reportDir, String text) throws InfrastructureException {
        if (reportDir == null) {
            return;
        }
        try {
            Path log = reportDir.resolve("checks").resolve(check.name() + ".log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the log of " + check.name() + ": " + e.getMessage(), e);
        }
    }

    private static String lastLines(String s, int n) {
        List<String> lines = s.strip().lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private static boolean committedAsIs(GateContext context, String rel, Path file) throws IOException {
        java.util.Optional<byte[]> committed = context.head().read(rel);
        return committed.isPresent() && committed.get().length == Files.size(file) && java.util.Arrays.equals(committed.get(), Files.readAllBytes(file));
    }

    /** A JUnit report is read and kept up to this size; larger ones fail the check. */
    static final long MAX_REPORT_BYTES = 16L << 20;
    static final long MAX_REPORTS_TOTAL = 64L << 20;
    static final int MAX_REPORTS = 500;
}
