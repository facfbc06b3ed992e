package dev.agentsandbox.run.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.sandbox.docker.DockerSandbox;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.testing.TestHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The boundary probe's script in real sandboxes, judged as the run judges it. A host cannot be made
 * to lie here without installing a deceptive runtime (a "runsc" that is runc), so the lies are
 * shown as what the probe sees: runc's sandbox judged as if gVisor had been asked for (the host's
 * kernel), and a variable the run did not give. The same report under gVisor holds.
 */
class BoundaryProbeIT {
    private static SandboxResult probe(Tier tier, String runtime, Map<String, String> env) throws Exception {
        try (DockerSandbox docker = DockerSandbox.connect()) {
            SandboxSpec spec = TestHost.spec("probe", tier, runtime, BoundaryProbe.wrap(List.of("true")), TestHost.limits(Duration.ofSeconds(60)));
            spec = new SandboxSpec(spec.runId(), spec.purpose(), spec.image(), spec.command(), spec.workdir(), env, spec.mounts(), spec.tier(),
                    spec.runtime(), spec.limits(), spec.redactor());
            return docker.run(spec, OutputListener.NONE);
        }
    }

    @Test
    void gVisorsSandboxHoldsAndTheHostsKernelOrAnUngivenVariableDoesNot() throws Exception {
        SandboxResult gvisor = probe(Tier.GVISOR, "runsc", Map.of("HOME", "/tmp"));
        BoundaryProbe.Result held = BoundaryProbe.judge(gvisor.output(), Set.of("HOME"), Tier.GVISOR);
        assertThat(held.findings()).as(gvisor.output()).isEmpty();
        assertThat(held.facts()).containsEntry("network", "loopback only").containsEntry("capabilities", "0000000000000000")
                .containsEntry("uid", "65534").containsEntry("root", "read-only").containsEntry("ownKernel", true);

        SandboxResult runc = probe(Tier.CONTAINER, "runc", Map.of("HOME", "/tmp", "LEAKED_TOKEN", "x"));
        assertThat(BoundaryProbe.judge(runc.output(), Set.of("HOME", "LEAKED_TOKEN"), Tier.CONTAINER).findings())
                .as("runc asked for and given: its kernel is the host's, as expected").isEmpty();
        List<String> lies = BoundaryProbe.judge(runc.output(), Set.of("HOME"), Tier.GVISOR).findings().stream().map(Finding::message).toList();
        assertThat(lies).anyMatch(m -> m.contains("the host's kernel")).anyMatch(m -> m.contains("variables it was not given: LEAKED_TOKEN"));
        // what the agent prints after the report is never read as the report
        assertThat(BoundaryProbe.judge("agent output\nagent-sandbox-probe end\n", Set.of(), Tier.GVISOR).findings())
                .extracting(Finding::rule).containsExactly("boundary-probe");
    }
}
