package dev.agentsandbox.run.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.config.Tier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The probe's report as a pod on a real kubelet prints it: the kubelet's service variables and the
 * image's own are declared by the Kubernetes run record (envNames), so the run passes; a variable
 * admission injected is not, so it fails (before, every run on a real kubelet failed here).
 */
class BoundaryProbeKubernetesTest {
    static String report(List<String> env) {
        StringBuilder b = new StringBuilder("agent-sandbox-probe net none\nagent-sandbox-probe cap 0000000000000000\n"
                + "agent-sandbox-probe uid 65534 65534 65534 65534\nagent-sandbox-probe root read-only\nagent-sandbox-probe kernel Linux gvisor\n");
        env.forEach(n -> b.append("agent-sandbox-probe env ").append(n).append('\n'));
        return b.append("agent-sandbox-probe end\n").toString();
    }

    @Test
    void declaredPlatformVariablesPassAndInjectedOnesFail() {
        List<String> kubelet = List.of("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP_ADDR");
        Set<String> declared = new HashSet<>(kubelet);
        declared.addAll(List.of("LANG", "PYTHON_VERSION", "AGENT_TASK"));
        List<String> seen = new java.util.ArrayList<>(declared);
        assertThat(BoundaryProbe.judge(report(seen), declared, Tier.GVISOR).findings()).isEmpty();
        seen.add("AWS_WEB_IDENTITY_TOKEN_FILE");
        assertThat(BoundaryProbe.judge(report(seen), declared, Tier.GVISOR).findings())
                .anySatisfy(f -> assertThat(f.message()).contains("variables it was not given: AWS_WEB_IDENTITY_TOKEN_FILE"));
        assertThat(BoundaryProbe.judge(report(List.of("AGENT_TASK", "LANG")), Set.of("AGENT_TASK"), Tier.GVISOR).findings())
                .as("without the record's envNames, the image's LANG fails the run, as on a real kubelet before").isNotEmpty();
    }
}
