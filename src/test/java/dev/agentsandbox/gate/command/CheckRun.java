package dev.agentsandbox.gate.command;

import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.Tree;
import dev.agentsandbox.config.CheckConfig;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.gate.CheckTrees;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One check through CommandGate with no sandbox: the "sandbox" ends as the test says, and what
 * the check wrote is whatever the test put in {@link #tree} beforehand.
 */
final class CheckRun implements SandboxBackend, CheckTrees, Tree {
    static final Limits LIMITS = new Limits(1, 1L << 30, 256, 1L << 26, Duration.ofSeconds(600), 1L << 20);

    final Path tree;
    final Path reports;
    final Map<String, byte[]> committed = new HashMap<>();
    final List<SandboxSpec> specs = new ArrayList<>();
    SandboxResult.Ending ending = SandboxResult.Ending.EXITED;
    int exit;
    String output = "";
    boolean pidsLimitHit;
    boolean overQuota;

    CheckRun(Path dir) throws IOException {
        this.tree = Files.createDirectories(dir.resolve("tree"));
        this.reports = dir.resolve("report");
    }

    CheckRun exits(int status, String out) {
        this.exit = status;
        this.output = out;
        return this;
    }

    GateResult run(CheckConfig check) throws AgentSandboxException {
        return run(new CommandGate(check, "default:image", this, template(), OutputListener.NONE));
    }

    GateResult run(CommandGate gate) throws AgentSandboxException {
        return gate.evaluate(new GateContext(new ChangeSet(List.of()), this, this, this, reports));
    }

    static SandboxTemplate template() {
        return new SandboxTemplate("run-1", Tier.GVISOR, "runsc", LIMITS, Map.of(), null);
    }

    static CheckConfig check(String junit) {
        return new CheckConfig("tests", List.of("mvn", "test"), null, null, junit);
    }

    static GateDetails.Check details(GateResult r) {
        return (GateDetails.Check) r.details();
    }

    static List<String> rules(GateResult r) {
        return r.findings().stream().map(f -> f.rule()).toList();
    }

    @Override
    public SandboxResult run(SandboxSpec spec, OutputListener out) {
        specs.add(spec);
        return new SandboxResult(exit, ending, output, output.length(), false,
                new SandboxResult.Timings(Duration.ZERO, Duration.ZERO, Duration.ofMillis(3), Duration.ZERO), "sha256:img",
                Map.of(), pidsLimitHit, 1, null);
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

    @Override
    public Mount fresh(String check, String containerPath) {
        return new Mount(tree, containerPath, false);
    }

    @Override
    public Path written(String check) {
        return tree;
    }

    @Override
    public boolean overQuota(String check) {
        return overQuota;
    }

    @Override
    public String quota(String check) {
        return "4 GiB";
    }

    @Override
    public List<String> paths() {
        return committed.keySet().stream().sorted().toList();
    }

    @Override
    public Optional<byte[]> read(String path) {
        return Optional.ofNullable(committed.get(path));
    }
}
