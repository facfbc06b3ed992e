package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Every command and subcommand the CLI has (read from the CLI itself, so a new one is covered the
 * day it is added) prints its help with --help and -h, exit 0, without asking for its required options.
 */
class HelpTest {
    static Stream<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        walk(Main.all(), new ArrayList<>(), all);
        return all.stream();
    }

    private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandName().equals(name)) {
                return; // an alias
            }
            List<String> p = new ArrayList<>(path);
            p.add(name);
            out.add(p);
            walk(sub, p, out);
        });
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandPrintsItsHelp(List<String> command) {
        for (String flag : new String[] {"--help", "-h"}) {
            List<String> args = new ArrayList<>(command);
            args.add(flag);
            Cli r = Cli.run(args.toArray(String[]::new));
            assertThat(r.exitCode).as(r.toString()).isZero();
            assertThat(r.out).contains("Usage: agent-sandbox " + String.join(" ", command)).contains("--help");
            assertThat(r.err).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "help"})
    void theTopLevelHelpListsEveryCommand(String how) {
        Cli r = Cli.run(how);
        assertThat(r.exitCode).isZero();
        List<String> top = commands().filter(c -> c.size() == 1).map(c -> c.get(0)).toList();
        assertThat(top).hasSizeGreaterThanOrEqualTo(13);
        assertThat(r.out).contains(top);
    }
}
