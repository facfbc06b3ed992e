package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.SandboxSpec;

import dev.agentsandbox.sandbox.SandboxResult;

import dev.agentsandbox.sandbox.OutputListener;

import dev.agentsandbox.sandbox.Limits;

import dev.agentsandbox.sandbox.Labels;


import dev.agentsandbox.config.Tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.Container;
import dev.agentsandbox.config.SandboxConfig;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.testing.TestHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Floods stop at the limits, and the container is gone afterwards whatever happened. */
class SandboxLimitsIT {
    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() throws Exception {
        sandbox = DockerSandbox.connect();
    }

    @AfterAll
    static void close() {
        sandbox.close();
    }

    private static List<Container> containersOf(SandboxSpec spec) {
        try (var c = dev.agentsandbox.testing.DockerClients.open()) {
            return c.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.RUN, spec.runId())).exec();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final String FORK_BOMB = "python3 - <<'PY'\n"
            + "import os, time\n"
            + "n = 0\n"
            + "while True:\n"
            + "    try:\n"
            + "        pid = os.fork()\n"
            + "    except OSError as e:\n"
            + "        print('fork failed after', n, flush=True); break\n"
            + "    if pid == 0:\n"
            + "        time.sleep(120); os._exit(0)\n"
            + "    n += 1\n"
            + "PY\n"
            + "echo bomb-returned";

    /**
     * Under gVisor the pids limit applies to the sandbox's host tasks, not to guest processes (an
     * idle sandbox holds about 45, each guest process about 9 more; threads cost none): a fork bomb
     * does not see fork fail, the whole sandbox is stopped instead. With the default limit a modest
     * workload runs, and the bomb ends long before the timeout and leaves nothing behind.
     */
    @Test
    void aForkBombIsStoppedByThePidsLimitUnderGvisor() throws Exception {
        // 256 tasks and 1 GB: with less memory the bomb exhausts memory first (also stopped, but not by this limit)
        Limits limits = new Limits(1.0, 1024L << 20, 256, 16L << 20, Duration.ofSeconds(100), 1 << 20);
        SandboxSpec modest = TestHost.spec("forkok", Tier.GVISOR, "runsc",
                List.of("sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; echo modest-ok"), limits);
        assertThat(sandbox.run(modest, OutputListener.NONE).output()).contains("modest-ok");

        SandboxSpec spec = TestHost.spec("forkbomb", Tier.GVISOR, "runsc", List.of("sh", "-c", FORK_BOMB), limits);
        long t0 = System.nanoTime();
        SandboxResult r = sandbox.run(spec, OutputListener.NONE);
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.EXITED);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).doesNotContain("bomb-returned");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
        assertThat(containersOf(spec)).isEmpty();
    }

    @Test
    void aForkBombSeesForkFailAtThePidsLimitUnderRunc() throws Exception {
        SandboxSpec spec = TestHost.spec("forkbomb", Tier.CONTAINER, "runc", List.of("sh", "-c", FORK_BOMB),
                new Limits(1.0, 256L << 20, 64, 16L << 20, Duration.ofSeconds(100), 1 << 20));
        SandboxResult r = sandbox.run(spec, OutputListener.NONE);
        assertThat(r.output()).containsPattern("fork failed after \\d+");
        int forks = Integer.parseInt(r.output().replaceAll("(?s).*fork failed after (\\d+).*", "$1"));
        assertThat(forks).isBetween(1, 63);
        assertThat(containersOf(spec)).isEmpty();
    }

    @Test
    void aMemoryHogIsKilledAtTheMemoryLimit() throws Exception {
        String script = "python3 -c \"b = []\nfor i in range(2048): b.append(bytearray(1 << 20))\nprint('survived')\"";
        SandboxSpec spec = TestHost.spec("memhog", Tier.GVISOR, "runsc", List.of("sh", "-c", script),
                new Limits(1.0, 128L << 20, SandboxConfig.DEFAULT.pids(), 16L << 20, Duration.ofSeconds(60), 1 << 20));
        SandboxResult r = sandbox.run(spec, OutputListener.NONE);
        assertThat(r.output()).doesNotContain("survived");
        assertThat(r.exitCode()).isNotZero();
        assertThat(containersOf(spec)).isEmpty();
    }

    @Test
    void anEndlessLoopIsKilledAtTheTimeoutAndTheContainerIsGone() throws Exception {
        SandboxSpec spec = TestHost.spec("loop", Tier.GVISOR, "runsc", List.of("sh", "-c", "echo begin; while :; do :; done"),
                TestHost.limits(Duration.ofSeconds(3)));
        long t0 = System.nanoTime();
        SandboxResult r = sandbox.run(spec, OutputListener.NONE);
        assertThat(r.ending()).isEqualTo(SandboxResult.Ending.TIMED_OUT);
        assertThat(r.output()).contains("begin");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        assertThat(containersOf(spec)).isEmpty();
        assertThat(sandbox.liveContainers()).isEmpty();
    }

    @Test
    void aRuntimeTheDaemonLacksIsAClearErrorAndNeverAFallback() {
        SandboxSpec spec = TestHost.spec("noruntime", Tier.MICROVM, "kata-not-installed", List.of("true"),
                TestHost.limits(Duration.ofSeconds(10)));
        assertThatThrownBy(() -> sandbox.run(spec, OutputListener.NONE))
                .isInstanceOf(InfrastructureException.class)
                .hasMessageContaining("runtime 'kata-not-installed' (tier microvm) is not registered")
                .hasMessageContaining("never falls back");
    }

    @Test
    void aMissingImageIsAClearError() {
        SandboxSpec base = TestHost.gvisor("noimage", "true", Duration.ofSeconds(10));
        SandboxSpec spec = new SandboxSpec(base.runId(), base.purpose(), "agent-sandbox/does-not-exist:1", base.command(),
                base.workdir(), base.env(), base.mounts(), base.tier(), base.runtime(), base.limits(), null);
        assertThatThrownBy(() -> sandbox.run(spec, OutputListener.NONE))
                .isInstanceOf(InfrastructureException.class)
                .hasMessageContaining("image 'agent-sandbox/does-not-exist:1' does not exist")
                .hasMessageContaining("never pulls");
    }

    @Test
    void anImageReferenceCraftedAsAPathReachesNoOtherEndpoint() {
        SandboxSpec base = TestHost.gvisor("craftedimage", "true", Duration.ofSeconds(10));
        // unencoded, these would ask the daemon for its container list and its info, which have an "Id" of their own
        for (String crafted : List.of("../../containers/json?all=1#", "../../info#")) {
            SandboxSpec spec = new SandboxSpec(base.runId(), base.purpose(), crafted, base.command(),
                    base.workdir(), base.env(), base.mounts(), base.tier(), base.runtime(), base.limits(), null);
            assertThatThrownBy(() -> sandbox.run(spec, OutputListener.NONE))
                    .isInstanceOf(InfrastructureException.class)
                    .hasMessageContaining("image '" + crafted + "' does not exist on this Docker host");
        }
        assertThat(containersOf(base)).isEmpty();
    }

    @Test
    void theContainerTierRunsUnderRuncHardenedTheSameWay() throws Exception {
        SandboxSpec spec = TestHost.spec("runc", Tier.CONTAINER, "runc",
                List.of("sh", "-c", "id -u; grep CapEff /proc/self/status; touch /x 2>/dev/null || echo ro"),
                TestHost.limits(Duration.ofSeconds(30)));
        SandboxResult r = sandbox.run(spec, OutputListener.NONE);
        assertThat(r.output()).startsWith("65534\n").contains("CapEff:\t0000000000000000").contains("ro");
        assertThat(r.containerConfig()).containsEntry("runtime", "runc").containsEntry("networkMode", "none");
    }

    @Test
    void secretValuesAreRedactedFromStreamedAndKeptOutput() throws Exception {
        String secret = "s3cr3t-" + Long.toHexString(System.nanoTime());
        SandboxSpec base = TestHost.gvisor("redact", "echo token=$T; echo done", Duration.ofSeconds(30));
        SandboxSpec spec = new SandboxSpec(base.runId(), base.purpose(), base.image(), base.command(), base.workdir(),
                Map.of("T", secret), base.mounts(), base.tier(), base.runtime(), base.limits(), s -> s.replace(secret, "[REDACTED]"));
        StringBuilder streamed = new StringBuilder();
        SandboxResult r = sandbox.run(spec, (s, line) -> streamed.append(line).append('\n'));
        assertThat(r.output()).contains("token=[REDACTED]").doesNotContain(secret);
        assertThat(streamed.toString()).contains("token=[REDACTED]").doesNotContain(secret);
        assertThat(spec.toString()).doesNotContain(secret);
        assertThat(r.containerConfig().toString()).doesNotContain(secret);
    }
}
