package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import dev.agentsandbox.config.SandboxConfig;
import dev.agentsandbox.config.Sizes;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.sandbox.docker.DockerSandbox;
import dev.agentsandbox.sandbox.SandboxBackend;
import dev.agentsandbox.sandbox.kubernetes.KubernetesSandbox;
import dev.agentsandbox.sandbox.kubernetes.KubernetesSettings;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the sandboxes run: {@code --backend docker|kubernetes}, else $AGENT_SANDBOX_BACKEND, else docker. */
final class BackendOption {
    static final String ENV = HostVariables.BACKEND;
    /** The service account's namespace file in a pod: the default namespace of the sandbox pods. */
    static final String POD_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
    static final long DEFAULT_K8S_DISK = 4L << 30;

    @Option(names = "--backend", paramLabel = "docker|kubernetes", description = "where the sandboxes run: docker (the default) or"
            + " kubernetes, one pod per sandbox with gVisor's RuntimeClass (default: $" + ENV + ", else docker)")
    String backend;

    String kind(Map<String, String> env) throws UsageException {
        String k = backend != null ? backend : env.getOrDefault(ENV, "docker");
        String kind = k.strip().toLowerCase(java.util.Locale.ROOT);
        if (!SandboxConfig.BACKENDS.contains(kind)) {
            throw new UsageException("backend '" + k + "' (--backend or " + ENV + ") is not one there is: use docker or kubernetes");
        }
        return kind;
    }

    SandboxBackend open(Map<String, String> env) throws AgentSandboxException {
        if (kind(env).equals("kubernetes")) {
            return KubernetesSandbox.connect(kubernetes(env));
        }
        return DockerSandbox.connect();
    }

    static KubernetesSettings kubernetes(Map<String, String> env) throws UsageException {
        try {
            String disk = env.get(HostVariables.K8S_DISK);
            return KubernetesSettings.fromEnvironment(env, POD_NAMESPACE_FILE, disk == null ? DEFAULT_K8S_DISK : Sizes.parse(disk));
        } catch (IllegalArgumentException e) {
            throw new UsageException("the Kubernetes settings (AGENT_SANDBOX_K8S_*): " + e.getMessage());
        }
    }
}
