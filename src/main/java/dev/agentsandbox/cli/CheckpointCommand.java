package dev.agentsandbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.checkpoint.Checkpoints;
import dev.agentsandbox.console.SafeText;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The host's side of checkpoints: list what the agent is waiting on, answer it. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "List the checkpoints a running agent waits on, and approve or reject them.",
        subcommands = {CheckpointCommand.ListPending.class, CheckpointCommand.Approve.class, CheckpointCommand.Reject.class})
final class CheckpointCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the pending checkpoints, one a line, the id first"
            + " (--all: answered ones too).")
    static final class ListPending implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Mixin
        RunBundleOption run;

        @Option(names = "--all", description = "answered checkpoints too")
        boolean all;

        @Override
        public Integer call() throws Exception {
            for (JsonNode cp : Checkpoints.list(run.require())) {
                String status = cp.path("status").asText();
                if (all || status.equals("pending")) {
                    // What the agent wrote is shown as text, never as terminal or CI control sequences.
                    spec.commandLine().getOut().println(cp.path("id").asText() + "\t" + status + "\t" + SafeText.line(cp.path("risk").asText(), 40)
                            + "\t" + SafeText.line(cp.path("action").asText(), 200) + "\t" + SafeText.line(cp.path("detail").asText(), 400));
                }
            }
            return ExitCodes.OK;
        }
    }

    abstract static class Answer implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Mixin
        RunBundleOption run;

        @Option(names = "--id", required = true, description = "the checkpoint, as `checkpoint list` prints it (cp-1)")
        String id;

        @Option(names = "--by", required = true, description = "who answers (the CI's authenticated user)")
        String by;

        @Option(names = "--comment", defaultValue = "", description = "the answer's words, given to the agent")
        String comment;

        @picocli.CommandLine.Mixin
        SigningKey signingKey;

        int answer(boolean approve) throws Exception {
            String who = dev.agentsandbox.identity.Identity.require("--by", by).id();
            var key = signingKey.load();
            if (key == null) {
                throw new UsageException("an answer is signed with the run's signing key, so that only the host can give one: pass"
                        + " --signing-key (or set " + dev.agentsandbox.audit.SigningKeys.ENV + ")");
            }
            try {
                Checkpoints.answer(run.require(), id, approve, who, comment, Clock.systemUTC(), key);
            } catch (IOException e) {
                throw new RefusedException(e.getMessage());
            }
            spec.commandLine().getOut().println((approve ? "approved " : "rejected ") + id + " by " + who);
            return ExitCodes.OK;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Let the agent go on with what it asked about.")
    static final class Approve extends Answer {
        @Override
        public Integer call() throws Exception {
            return answer(true);
        }
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, description = "Tell the agent not to do what it asked about.")
    static final class Reject extends Answer {
        @Override
        public Integer call() throws Exception {
            return answer(false);
        }
    }
}
