package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import dev.agentsandbox.error.AgentSandboxException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `agent-sandbox` command: one verb, one class; errors become exit codes here and nowhere else. */
@Command(name = "agent-sandbox", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A pipeline gate for AI coding agents: sandbox, feature branch, gates, approval.",
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
        ignoreGitSystemConfig();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * JGit finds the system-wide git configuration by running the git executable twice (about
     * 50 ms a run). The tool reads raw blobs and never runs filters or hooks, so nothing in that
     * file changes what it does: it reads the repository's own configuration only.
     */
    static void ignoreGitSystemConfig() {
        org.eclipse.jgit.util.SystemReader.setInstance(new org.eclipse.jgit.util.SystemReader.Delegate(
                org.eclipse.jgit.util.SystemReader.getInstance()) {
            @Override
            public org.eclipse.jgit.storage.file.FileBasedConfig openSystemConfig(org.eclipse.jgit.lib.Config parent,
                                                                                  org.eclipse.jgit.util.FS fs) {
                return new org.eclipse.jgit.storage.file.FileBasedConfig(parent, null, fs) {
                    @Override
                    public void load() {
                        // no system configuration: as git with GIT_CONFIG_NOSYSTEM
                    }

                    @Override
                    public boolean isOutdated() {
                        return false;
                    }
                };
            }
        });
    }

    /** The commands, in the order help lists them; only the one invoked is built (picocli's model of all costs ~0.1 s). */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("run", RunCommand::new);
        COMMANDS.put("approve", ApproveCommand::new);
        COMMANDS.put("reject", RejectCommand::new);
        COMMANDS.put("merge", MergeCommand::new);
        COMMANDS.put("verify", VerifyCommand::new);
        COMMANDS.put("keygen", KeygenCommand::new);
        COMMANDS.put("doctor", DoctorCommand::new);
        COMMANDS.put("schema", SchemaCommand::new);
        COMMANDS.put("cleanup", CleanupCommand::new);
        COMMANDS.put("kubernetes-template", KubernetesTemplateCommand::new);
        COMMANDS.put("checkpoint", CheckpointCommand::new);
        COMMANDS.put("pr", PrCommand::new);
        COMMANDS.put("trigger", TriggerCommand::new);
    }

    /** Every command with its subcommands, as help lists them (the tests walk it: no list of commands by hand). */
    static CommandLine all() {
        CommandLine cl = new CommandLine(new Main());
        COMMANDS.values().forEach(c -> cl.addSubcommand(c.get()));
        return cl;
    }

    /** The top-level help's footer: every host variable the CLI reads, with what it sets. */
    static String variables() {
        StringBuilder b = new StringBuilder("%nEnvironment (the host's; a command-line option wins over its variable):%n");
        HostVariables.all().forEach((k, v) -> b.append("  ").append(k).append("%n      ").append(v.replace("%", "%%")).append("%n"));
        return b.toString();
    }

    /** Runs the command line and returns the exit code; used by the wrappers' tests too. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        Supplier<Object> invoked = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (invoked != null) {
            cl.addSubcommand(invoked.get());
        } else {
            // help, a typo (picocli then suggests the nearest), or no command: all of them
            COMMANDS.values().forEach(c -> cl.addSubcommand(c.get()));
            cl.addSubcommand(new CommandLine.HelpCommand());
            cl.getCommandSpec().usageMessage().footer(variables());
        }
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
            if (System.getenv(HostVariables.DEBUG) != null) {
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
