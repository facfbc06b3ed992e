package dev.agentsandbox.gate.command;

import static dev.agentsandbox.gate.command.CheckRun.check;
import static dev.agentsandbox.gate.command.CheckRun.details;
import static dev.agentsandbox.gate.command.CheckRun.rules;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.config.CheckConfig;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.verdict.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a check's ending and exit status become findings, without a sandbox. */
class CommandGateTest {
    @TempDir
    Path dir;

    @Test
    void aCleanExitPassesAndIsRecorded() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "BUILD SUCCESS\n");
        GateResult r = run.run(check(null));
        assertThat(r.verdict()).isEqualTo(Verdict.PASS);
        assertThat(r.findings()).isEmpty();
        assertThat(r.gate()).isEqualTo("tests");
        assertThat(details(r)).satisfies(d -> {
            assertThat(d.exitCode()).isZero();
            assertThat(d.ending()).isEqualTo("exited");
            assertThat(d.image()).isEqualTo("default:image");
            assertThat(d.imageId()).isEqualTo("sha256:img");
            assertThat(d.junit()).isNull();
        });
        assertThat(run.specs).singleElement().satisfies(s -> {
            assertThat(s.purpose()).isEqualTo("tests");
            assertThat(s.command()).containsExactly("mvn", "test");
            assertThat(s.mounts()).contains(new Mount(run.tree, "/workspace", false));
            assertThat(s.runtime()).isEqualTo("runsc");
        });
        assertThat(run.reports.resolve("checks/tests.log")).hasContent("BUILD SUCCESS\n");
    }

    @Test
    void aNonZeroExitFailsWithTheLastThreeLines() throws Exception {
        GateResult r = new CheckRun(dir).exits(2, "a\nb\n[ERROR] c\n[ERROR] d\n[ERROR] e\n\n").run(check(null));
        assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("exit-status");
            assertThat(f.message()).isEqualTo("tests exited with status 2: [ERROR] c | [ERROR] d | [ERROR] e");
        });
        assertThat(details(r).exitCode()).isEqualTo(2);
        assertThat(new CheckRun(dir.resolve("quiet")).exits(1, "").run(check(null)).findings().get(0).message())
                .isEqualTo("tests exited with status 1: ");
    }

    @Test
    void theProcessLimitIsNamedWhenItEndedTheCheck() throws Exception {
        CheckRun run = new CheckRun(dir).exits(137, "fork: Resource temporarily unavailable");
        run.pidsLimitHit = true;
        assertThat(run.run(check(null)).findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("pids-limit");
            assertThat(f.message()).contains("process limit of 256", "exit status 137", "sandbox.pids");
        });
        run.exits(0, "");
        assertThat(run.run(check(null)).findings()).as("a limit hit that did not fail the check is no finding").isEmpty();
    }

    @Test
    void eachEndingOtherThanAnExitFails() throws Exception {
        Map<SandboxResult.Ending, String> expected = Map.of(SandboxResult.Ending.TIMED_OUT, "timeout",
                SandboxResult.Ending.OUT_OF_MEMORY, "out-of-memory", SandboxResult.Ending.CANCELLED, "cancelled");
        for (var e : expected.entrySet()) {
            CheckRun run = new CheckRun(dir.resolve(e.getValue())).exits(0, "");
            run.ending = e.getKey();
            GateResult r = run.run(check(null));
            assertThat(rules(r)).as(e.getKey().name()).containsExactly(e.getValue());
            assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
            assertThat(details(r).ending()).isEqualTo(e.getKey().id());
        }
    }

    @Test
    void aTimeoutNamesTheChecksOwnLimit() throws Exception {
        CheckRun run = new CheckRun(dir).exits(137, "");
        run.ending = SandboxResult.Ending.TIMED_OUT;
        assertThat(run.run(check(null)).findings().get(0).message()).isEqualTo("tests did not finish within 600 s");
        CheckConfig own = new CheckConfig("tests", List.of("make"), "own:image", Duration.ofSeconds(7), null);
        GateResult r = run.run(own);
        assertThat(r.findings().get(0).message()).isEqualTo("tests did not finish within 7 s");
        assertThat(run.specs.get(1).limits().timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(run.specs.get(1).image()).isEqualTo("own:image");
        assertThat(details(r).image()).isEqualTo("own:image");
    }

    @Test
    void aFullDiskFailsEvenWhenTheCheckPassed() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        run.overQuota = true;
        assertThat(run.run(check(null)).findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("disk-quota");
            assertThat(f.message()).contains("4 GiB", "sandbox.disk");
        });
    }

    @Test
    void theEgressRouteWrapsTheCommandAndIsClosed() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        Path proxy = Files.createDirectories(dir.resolve("proxy"));
        List<String> events = new ArrayList<>();
        CheckEgress egress = name -> new CheckEgress.Route() {
            public List<String> command(List<String> c) {
                List<String> l = new ArrayList<>(List.of("bridge", "--"));
                l.addAll(c);
                return l;
            }

            public Map<String, String> env() {
                return Map.of("HTTPS_PROXY", "http://proxy:3128");
            }

            public List<Mount> mounts() {
                return List.of(new Mount(proxy, "/proxy", true));
            }

            public void close() {
                events.add("closed " + name);
            }
        };
        CommandGate gate = new CommandGate(check(null), "default:image", run, CheckRun.template(), OutputListener.NONE, egress)
                .onSandbox((c, res) -> events.add("ended " + c + " " + res.exitCode()));
        run.run(gate);
        assertThat(run.specs.get(0).command()).containsExactly("bridge", "--", "mvn", "test");
        assertThat(run.specs.get(0).env()).containsEntry("HTTPS_PROXY", "http://proxy:3128");
        assertThat(run.specs.get(0).mounts()).extracting(Mount::containerPath).contains("/workspace", "/proxy");
        assertThat(events).containsExactly("closed tests", "ended tests 0"); // the route closes as the sandbox ends
    }

    @Test
    void aHookThatCannotRecordTheSandboxFailsTheGate() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        CommandGate gate = new CommandGate(check(null), "i", run, CheckRun.template(), OutputListener.NONE)
                .onSandbox((c, res) -> {
                    throw new InfrastructureException("audit log full");
                });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run.run(gate)).hasMessage("audit log full");
    }
}
