package dev.agentsandbox.run.prepare;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.quota.DiskQuota;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.sandbox.KvmPlatform;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.util.ArrayList;
import java.util.List;

/**
 * The controls a run asks of the host itself, checked together before anything starts: the disk
 * quota (mount and umount as root) and, on the Docker backend's gVisor tier, the process log (runsc
 * as root). A host that cannot give one is refused with every gap named at once; a run goes on
 * without a control only where the configuration turns it off by name. Never a silent fallback.
 */
final class HostControls {
    static final String SUDOERS_HINT = "docs/hosts.md";

    private HostControls() {
    }

    static DiskQuota require(RunConfig config, Settings settings, String backend) throws InfrastructureException, UsageException {
        if (!"docker".equals(backend) && "kvm".equals(config.sandbox().platform())) {
            throw new UsageException("sandbox.platform: kvm is for the Docker backend; on Kubernetes the RuntimeClass"
                    + " (" + dev.agentsandbox.host.HostVariables.K8S_RUNTIME_CLASS + ") chooses gVisor's platform");
        }
        if ("docker".equals(backend) && KvmPlatform.asked(config.sandbox().platform(), settings.runtime())) {
            // as doctor does, before any sandbox: a hung KVM start under Docker could not be removed
            String kvm = KvmPlatform.gap();
            if (kvm != null) {
                throw new InfrastructureException("sandbox.platform: kvm: " + kvm + ". Fix: " + KvmPlatform.fix());
            }
        }
        List<String> gaps = new ArrayList<>();
        List<String> off = new ArrayList<>();
        // on Kubernetes the pod's emptyDir sizeLimit and ephemeral-storage limit are the quota: this side needs no loop device
        boolean podQuota = "kubernetes".equals(backend);
        String disk = podQuota ? null : DiskQuota.gap(settings.diskBytes());
        if (disk != null) {
            gaps.add("sandbox.disk (a " + dev.agentsandbox.quota.DiskQuota.human(settings.diskBytes()) + " quota on what each sandbox writes): " + disk);
            off.add("disk: unlimited");
        }
        if ("docker".equals(backend) && settings.tier() == Tier.GVISOR && config.sandbox().processLog()) {
            String log = ProcessTrace.hostGap();
            if (log != null) {
                gaps.add("sandbox.process-log (every program the agent and the checks run, recorded from gVisor's kernel): " + log);
                off.add("process-log: false");
            }
        }
        if (gaps.isEmpty()) {
            return DiskQuota.forLimit(podQuota ? 0 : settings.diskBytes());
        }
        throw new InfrastructureException("this host cannot give " + (gaps.size() == 1 ? "a control" : gaps.size() + " controls")
                + " the run asks for:\n  - " + String.join(";\n  - ", gaps) + ".\nRun agent-sandbox as root, or give its user passwordless sudo"
                + " for exactly these tools (" + SUDOERS_HINT + " has the sudoers line), or, to run without "
                + (gaps.size() == 1 ? "it" : "them") + ", say so in .agent-sandbox.yml: sandbox: {" + String.join(", ", off)
                + "}. `agent-sandbox doctor` shows what this host gives");
    }
}
