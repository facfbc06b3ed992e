package dev.agentsandbox.cli;

import dev.agentsandbox.doctor.Check;
import dev.agentsandbox.doctor.Doctor;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.config.Tier;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Check that this host can run sandboxes of a tier; say how to fix what fails.")
final class DoctorCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--tier", description = "container, gvisor or microvm (default: the configuration's sandbox.tier, else gvisor)")
    String tier;

    @Option(names = "--runtime", description = "Docker runtime name (required for microvm)")
    String runtime;

    @Option(names = "--image", description = "also check this image and start a sandbox from it")
    String image;

    @Option(names = "--config", paramLabel = "FILE", description = "check for this configuration's sandbox.disk, sandbox.process-log and sandbox.platform"
            + " (default: the defaults, a 4g disk quota and the process log on)")
    java.nio.file.Path config;

    @picocli.CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Override
    public Integer call() throws UsageException, dev.agentsandbox.error.ConfigException {
        var sandbox = config == null ? dev.agentsandbox.config.SandboxConfig.DEFAULT : dev.agentsandbox.config.ConfigLoader.load(config).sandbox();
        // as a run resolves them: the command line's tier comes with its own runtime unless one is named there too
        Tier t = tier != null ? CliSupport.tier(tier) : sandbox.tier();
        String rt = CliSupport.runtime(t, runtime != null ? runtime : tier != null ? null : sandbox.runtime(), sandbox.platform());
        var env = System.getenv();
        List<Check> checks;
        if (backend.kind(env).equals("kubernetes")) {
            if ("kvm".equals(sandbox.platform())) {
                throw new UsageException("sandbox.platform: kvm is for the Docker backend; on Kubernetes the RuntimeClass ("
                        + dev.agentsandbox.host.HostVariables.K8S_RUNTIME_CLASS + ") chooses gVisor's platform");
            }
            checks = kubernetes(t, rt, BackendOption.kubernetes(env));
        } else {
            var scratch = dev.agentsandbox.workspace.ScratchArea.of(env);
            checks = new Doctor(t, rt, image, scratch.base(), scratch.overlayUnavailableMarker(), sandbox.diskBytes(), sandbox.processLog(),
                    sandbox.platform()).run();
        }
        var out = spec.commandLine().getOut();
        for (Check c : checks) {
            out.printf("%-5s %-20s %s%n", c.status(), c.name(), c.detail());
            if (!c.fix().isEmpty()) {
                out.printf("      %-20s fix: %s%n", "", c.fix());
            }
        }
        boolean ok = Doctor.passed(checks);
        out.println(ok ? "doctor: this host can run " + t.id() + " sandboxes" : "doctor: a run would fail on this host");
        return ok ? ExitCodes.OK : ExitCodes.INFRASTRUCTURE;
    }

    private List<Check> kubernetes(Tier t, String rt, dev.agentsandbox.sandbox.kubernetes.KubernetesSettings settings) {
        var client = dev.agentsandbox.sandbox.kubernetes.KubernetesSandbox.newClient();
        String rc = t == Tier.GVISOR ? settings.gvisorRuntimeClass() : t == Tier.MICROVM ? settings.microvmRuntimeClass() : null;
        var doctor = new dev.agentsandbox.doctor.KubernetesDoctor(client, settings.namespace(), rc, t);
        List<Check> checks = new java.util.ArrayList<>(doctor.run());
        if (settings.warmPool() != null && Doctor.passed(checks)) {
            checks.addAll(doctor.warmPool(settings.warmPool()));
        }
        if (settings.warmPool() != null) {
            client.close(); // a warm pod is checked against the hardened pod at each claim, with the run's own limits
        } else if (image != null && Doctor.passed(checks)) {
            try (var sandbox = dev.agentsandbox.sandbox.kubernetes.KubernetesSandbox.open(client, settings)) {
                checks.add(dev.agentsandbox.doctor.KubernetesDoctor.smoke(sandbox, image, t, rt));
            } catch (dev.agentsandbox.error.InfrastructureException e) {
                checks.add(new Check("smoke pod", Check.Status.FAIL, e.getMessage(), ""));
            }
        } else {
            client.close();
        }
        return checks;
    }
}
