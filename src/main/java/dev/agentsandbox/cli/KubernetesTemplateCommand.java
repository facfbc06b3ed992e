package dev.agentsandbox.cli;

import dev.agentsandbox.config.ConfigLoader;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.sandbox.kubernetes.WarmPool;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "kubernetes-template", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Print a SandboxTemplate and a SandboxWarmPool (kubernetes-sigs/agent-sandbox) whose pods the kubernetes backend"
                + " claims when AGENT_SANDBOX_K8S_WARM_POOL names the pool: the hardened sandbox pod, waiting with nothing of a run in it.",
                "Apply it with kubectl; a run refuses any pod that differs from it. The AGENT_SANDBOX_K8S_* settings apply."})
final class KubernetesTemplateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", required = true, description = "the agent image the pool's pods run (a run with another image is refused)")
    String image;

    @Option(names = "--name", defaultValue = "agent-sandbox", description = "name of the template and the pool (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--replicas", defaultValue = "2", description = "warm pods kept ready (default: ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--tier", defaultValue = "gvisor", description = "isolation tier: gvisor, microvm or container (default: ${DEFAULT-VALUE})")
    String tier;

    @Option(names = "--config", paramLabel = "FILE", description = "the repository's .agent-sandbox.yml, for its sandbox limits (default: the built-in limits)")
    Path config;

    @Override
    public Integer call() throws AgentSandboxException {
        if (replicas < 1 || replicas > 1000) {
            throw new UsageException("--replicas " + replicas + ": give 1 to 1000 warm pods");
        }
        Tier t;
        try {
            t = Tier.parse(tier);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tier: " + e.getMessage());
        }
        RunConfig c = config == null ? RunConfig.DEFAULT : ConfigLoader.load(config);
        Limits limits = Limits.of(c.sandbox());
        var settings = BackendOption.kubernetes(System.getenv());
        try {
            spec.commandLine().getOut().print(WarmPool.templateYaml(name, replicas, image, t, limits, settings));
            spec.commandLine().getOut().flush();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return ExitCodes.OK;
    }
}
