package dev.agentsandbox.gate.command;

import dev.agentsandbox.change.PathGlob;
import dev.agentsandbox.config.CheckConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.gate.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.gate.Verdict;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A user command (lint, tests) run on a fresh copy of the head tree in a fresh sandbox with the
 * agent's isolation: the code the agent wrote is untrusted too, and one check cannot leave
 * anything behind for the next.
 */
public final class CommandGate implements Gate {
    private static final int MAX_FAILURE_FINDINGS = 100;

    private final CheckConfig check;
    private final String defaultImage;
    private final SandboxBackend backend;
    private final SandboxTemplate template;
    private final Path workRoot;
    private final OutputListener output;

    /**
     * @param workRoot a private folder where the fresh copy of the head tree is made
     * @param output where the check's redacted output is shown live
     */
    public CommandGate(CheckConfig check, String defaultImage, SandboxBackend backend, SandboxTemplate template, Path workRoot,
                       OutputListener output) {
        this.check = check;
        this.defaultImage = defaultImage;
        this.backend = backend;
        this.template = check.timeout() == null ? template : template.withTimeout(check.timeout());
        this.workRoot = workRoot;
        this.output = output;
    }

    @Override
    public String name() {
        return check.name();
    }

    @Override
    public GateResult evaluate(GateContext context) throws AgentSandboxException {
        long t0 = System.nanoTime();
        Path tree = workRoot.resolve("check-" + check.name());
        copyTree(context.headDirectory(), tree);
        String image = check.image() == null ? defaultImage : check.image();
        SandboxResult r = backend.run(template.spec(check.name(), image, check.command(), Map.of(),
                List.of(new Mount(tree, "/workspace", false))), output);
        List<Finding> findings = new ArrayList<>();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("exitCode", r.exitCode());
        details.put("ending", r.ending().id());
        details.put("image", image);
        details.put("imageId", r.imageId());
        details.put("sandboxMillis", r.timings().millis());
        switch (r.ending()) {
            case TIMED_OUT -> findings.add(Finding.of(name(), "timeout", Verdict.FAIL,
                    check.name() + " did not finish within " + template.limits().timeout().toSeconds() + " s"));
            case OUT_OF_MEMORY -> findings.add(Finding.of(name(), "out-of-memory", Verdict.FAIL, check.name() + " ran out of memory"));
            case CANCELLED -> findings.add(Finding.of(name(), "cancelled", Verdict.FAIL, check.name() + " was cancelled"));
            case EXITED -> {
                if (r.exitCode() != 0) {
                    findings.add(Finding.of(name(), "exit-status", Verdict.FAIL,
                            check.name() + " exited with status " + r.exitCode() + ": " + lastLines(r.output(), 3)));
                }
            }
        }
        if (check.junit() != null) {
            JunitResults junit = readJunit(tree, context.reportDirectory(), findings);
            details.put("tests", junit.tests());
            details.put("failures", junit.failures());
            details.put("errors", junit.errors());
            details.put("skipped", junit.skipped());
            junit.failed().stream().limit(MAX_FAILURE_FINDINGS).forEach(f -> findings.add(
                    Finding.of(name(), "test-failed", Verdict.FAIL, f.testcase() + ": " + f.message())));
        }
        writeLog(context.reportDirectory(), r.output());
        return GateResult.of(name(), findings, Duration.ofNanos(System.nanoTime() - t0), details);
    }

    private JunitResults readJunit(Path tree, Path reportDir, List<Finding> findings) {
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
        if (files.isEmpty()) {
            findings.add(Finding.of(name(), "junit-missing", Verdict.FAIL,
                    check.name() + " wrote no JUnit XML matching " + check.junit()));
        }
        for (Path f : files) {
            String rel = tree.relativize(f).toString();
            try {
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

    /** Copies a tree without following symlinks, writable by the sandbox user. */
    static void copyTree(Path from, Path to) throws InfrastructureException {
        try {
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Path d = to.resolve(from.relativize(dir).toString());
                    Files.createDirectories(d);
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path d = to.resolve(from.relativize(file).toString());
                    Files.copy(file, d, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                    if (attrs.isRegularFile()) {
                        boolean exec = Files.isExecutable(file);
                        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(exec ? "rwxrwxrwx" : "rw-rw-rw-"));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new InfrastructureException("cannot copy the head tree for a check: " + e.getMessage(), e);
        }
    }
}
