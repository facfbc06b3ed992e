package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.Approval;
import dev.agentsandbox.error.AgentSandboxException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "reject", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Reject a run; the branch is kept and the comment feeds `run --continue`.")
final class RejectCommand extends DecideCommand implements Callable<Integer> {
    @Override
    public Integer call() throws AgentSandboxException {
        return decide(Approval.Decision.REJECT);
    }
}
