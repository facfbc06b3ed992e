package dev.agentsandbox.cli;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.sandbox.SandboxBackend;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cleanup", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Remove sandboxes, workspace volumes and temporary folders that killed or crashed runs left behind.")
final class CleanupCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--all", description = "also remove sandboxes of runs still going on this host, and the shared exports of base trees")
    boolean all;

    @picocli.CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @Override
    public Integer call() throws AgentSandboxException {
        int containers;
        try (SandboxBackend sandbox = backend.open(System.getenv())) {
            containers = sandbox.cleanup(all);
        }
        int folders = dev.agentsandbox.workspace.ScratchArea.of(System.getenv()).cleanup(all);
        spec.commandLine().getOut().printf("cleanup: removed %d sandbox(es), container(s) or volume(s) and %d temporary folder(s)%n", containers, folders);
        return ExitCodes.OK;
    }
}
