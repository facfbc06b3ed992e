package dev.agentsandbox.cli;

import dev.agentsandbox.error.AgentSandboxException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `agent-sandbox` command: one verb, one class; errors become exit codes here and nowhere else. */
@Command(name = "agent-sandbox", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A pipeline gate for AI coding agents: sandbox, feature branch, gates, approval.",
        subcommands = {RunCommand.class, ApproveCommand.class, RejectCommand.class, MergeCommand.class,
            VerifyCommand.class, KeygenCommand.class, DoctorCommand.class, SchemaCommand.class, CleanupCommand.class, CheckpointCommand.class,
            PrCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done; for run: gates passed, awaiting approval",
            "1:gates failed (run)",
            "2:usage or configuration error",
            "3:sandbox or infrastructure error",
            "4:refused (merge, approval, verify)",
            "5:the agent changed nothing (run): nothing to review"})
public final class Main {
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code; used by the wrappers' tests too. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> e instanceof AgentSandboxException a ? a.exitCode().code() : ExitCodes.INFRASTRUCTURE);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("agent-sandbox: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof AgentSandboxException a) {
                c.getErr().println("agent-sandbox: " + a.getMessage());
                return a.exitCode().code();
            }
            c.getErr().println("agent-sandbox: internal error: " + ex);
            if (System.getenv("AGENT_SANDBOX_DEBUG") != null) {
                ex.printStackTrace(c.getErr());
            } else {
                c.getErr().println("(set AGENT_SANDBOX_DEBUG=1 for the stack trace, and report it)");
            }
            return ExitCodes.INFRASTRUCTURE;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"agent-sandbox " + (v == null ? "dev" : v)};
        }
    }
}
