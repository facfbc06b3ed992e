package dev.agentsandbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands (checkpoint, pr, trigger): alone, it prints its usage. */
abstract class CommandGroup implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.OK;
    }
}
