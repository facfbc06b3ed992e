package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command prints its help with --help and -h, exit 0, without asking for its required options. */
class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"run", "approve", "reject", "merge", "verify", "keygen", "doctor", "schema", "cleanup"})
    void everyCommandPrintsItsHelp(String command) {
        for (String flag : new String[] {"--help", "-h"}) {
            Cli r = Cli.run(command, flag);
            assertThat(r.exitCode).as(r.toString()).isZero();
            assertThat(r.out).contains("Usage: agent-sandbox " + command).contains("--help");
            assertThat(r.err).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "help"})
    void theTopLevelHelpListsEveryCommand(String how) {
        Cli r = Cli.run(how);
        assertThat(r.exitCode).isZero();
        assertThat(r.out).contains("run", "approve", "reject", "merge", "verify", "keygen", "doctor", "schema", "cleanup");
    }
}
