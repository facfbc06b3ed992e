package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.util.List;

/**
 * Before a pod's command starts, proof from inside the pod that it cannot reach out. A NetworkPolicy
 * read back from the API says nothing about whether the network plugin applies it (asynchronously,
 * and kindnet's engine fails open), so the loader, in the same pod's network, is asked: a pod that sees
 * only loopback (gVisor with networking off) holds; a pod with an interface is refused unless the
 * platform names what enforces its egress and a connection to the API server's service, tried from
 * inside, fails. The agent's pod and every check's go through this, since every sandbox does.
 */
final class NetworkProof {
    private NetworkProof() {
    }

    /** What the run record says of the pod's network; throws when the pod could reach out, or it cannot be shown. */
    static String require(PodFiles files, String pod, String runtimeClass, String egressEnforcedBy) throws InfrastructureException,
            InterruptedException {
        List<String> interfaces;
        try {
            interfaces = files.interfaces(pod, PodSpecs.LOADER).stream().filter(i -> !i.equals("lo")).toList();
        } catch (IOException e) {
            throw new InfrastructureException("cannot show that the sandbox's pod has no network (" + e.getMessage() + "); its command did not run");
        }
        if (interfaces.isEmpty()) {
            return "loopback only";
        }
        if (egressEnforcedBy == null) {
            throw new InfrastructureException("the sandbox's pod has network interfaces (" + String.join(", ", interfaces) + ") under RuntimeClass "
                    + runtimeClass + ": its NetworkPolicy is all that would hold it, and nothing shows the network plugin applies it."
                    + " Give the sandboxes a RuntimeClass whose gVisor runs with networking off (runsc --network=none, see"
                    + " docs/kubernetes.md), or, where a network plugin enforces egress policy, name it in"
                    + " AGENT_SANDBOX_K8S_EGRESS_ENFORCED_BY so that each pod is tested from inside; its command did not run");
        }
        String reached;
        try {
            reached = files.egressReached(pod, PodSpecs.LOADER);
        } catch (IOException e) {
            throw new InfrastructureException("the sandbox's pod has a network (" + String.join(", ", interfaces) + ") and its egress cannot be"
                    + " tested from inside: " + e.getMessage() + "; its command did not run");
        }
        if (reached != null) {
            throw new InfrastructureException("the sandbox's pod reached " + reached + " from inside although " + egressEnforcedBy
                    + " (AGENT_SANDBOX_K8S_EGRESS_ENFORCED_BY) should enforce its deny-all NetworkPolicy: egress is open; its command did not run");
        }
        return String.join(", ", interfaces) + ", egress held (" + egressEnforcedBy + ", tested from inside)";
    }
}
