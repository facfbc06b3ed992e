package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.Approval;
import dev.agentsandbox.error.AgentSandboxException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "approve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Approve the exact change of a run (its head commit and gate results).")
final class ApproveCommand extends DecideCommand implements Callable<Integer> {
    @Override
    public Integer call() throws AgentSandboxException {
        return decide(Approval.Decision.APPROVE);
    }
}
