package dev.agentsandbox.hostsafety;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent (and each check) prints reaches the CI console only as plain, bounded text: no
 * line a GitHub runner would split off at CR and read as a workflow command, no escape sequence,
 * no GitLab section or Jenkins console note, and no more than sandbox.max-output of it.
 */
class ConsoleSafetyIT {
    @TempDir
    Path tmp;

    /** Every physical line as a GitHub runner reads it: split at LF and at CR. */
    static String[] runnerLines(String console) {
        return console.split("\r\n|\r|\n");
    }

    @Test
    void workflowCommandsEscapesAndMarkersArePrintedAsVisibleText() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String hostile = "printf 'text\\r::error title=Gates::All gates passed\\n'; printf '\\r::add-mask::FAILED\\n';"
                + " printf '::stop-commands::tok\\n'; printf '\\033[2K\\033[1Gpolicy: pass\\n';"
                + " printf 'section_start:1700000000:hide\\r\\033[0Kfolded\\n'; printf '\\033[8mha:AAAA\\033[0mnote\\n';"
                + " printf '##[warning]fake\\n'; printf 'bidi \\342\\200\\256evil\\n'";
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "version: 1\nchecks:\n  lint:\n    command: [\"sh\", \"-c\", \""
                + hostile.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "::error::task text\r\u001b[31m", "--image", TestHost.IMAGE,
                "--config", cfg.toString(), "--command", hostile + "; echo 'x = 1' > /workspace/new.py", "--bundle", tmp.resolve("b").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        String console = r.out + r.err;
        assertThat(console).doesNotContain("\r").doesNotContain("\u001b").doesNotContain("\u202e");
        for (String line : runnerLines(console)) {
            assertThat(line.strip()).as(line).doesNotStartWith("::").doesNotStartWith("##[").doesNotStartWith("section_start");
        }
        // shown, visibly, for the agent and for the check alike
        assertThat(console).contains("agent    | text\\r::error title=Gates::All gates passed")
                .contains("lint     | text\\r::error title=Gates::All gates passed")
                .contains("| \\e[2K\\e[1Gpolicy: pass").contains("section_start:1700000000:hide\\r\\e[0Kfolded")
                .contains("\\e[8mha:AAAA\\e[0mnote").contains("bidi \\u202Eevil");
        // the summary a CI shows as the job summary is safe too
        String summary = Files.readString(tmp.resolve("b/reports/summary.md"));
        assertThat(summary).doesNotContain("\r").doesNotContain("\u001b");
    }

    /** 8 MiB of newlines under max-output: 1m printed a million console lines when empty lines cost one byte. */
    @Test
    void aFloodOfEmptyLinesIsCappedInConsoleLines() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "version: 1\nsandbox:\n  max-output: 1m\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "flood", "--image", TestHost.IMAGE, "--config", cfg.toString(),
                "--command", "head -c 8388608 /dev/zero | tr '\\0' '\\n'; echo 'x = 1' > /workspace/new.py", "--bundle", tmp.resolve("e").toString());
        assertThat(r.exitCode).as(r.all().substring(0, Math.min(3000, r.all().length()))).isZero();
        long lines = r.out.lines().count();
        assertThat(lines).as("console lines for 1m of output").isLessThan(40_000);
        assertThat(r.out.length()).as("console bytes").isLessThan(2 << 20);
    }

    @Test
    void aFloodOfOutputIsCappedOnTheConsoleForTheAgentAndForEachCheck() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String flood = "yes " + "a".repeat(100) + " | head -c 60000000";
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "version: 1\nsandbox:\n  max-output: 64k\nchecks:\n  tests:\n"
                + "    command: [\"sh\", \"-c\", \"" + flood + "\"]\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "flood", "--image", TestHost.IMAGE, "--config", cfg.toString(),
                "--command", flood + "; echo 'x = 1' > /workspace/new.py", "--bundle", tmp.resolve("b").toString());
        assertThat(r.exitCode).as(r.all().substring(0, Math.min(3000, r.all().length()))).isZero();
        long agentLines = Arrays.stream(r.out.split("\n")).filter(l -> l.contains("agent    | aaaa")).count();
        long checkLines = Arrays.stream(r.out.split("\n")).filter(l -> l.contains("tests    | aaaa")).count();
        // 64 KiB of 101-byte lines, each charged with its console prefix: about 490, never the 600,000 printed
        assertThat(agentLines).isBetween(400L, 550L);
        assertThat(checkLines).isBetween(400L, 550L);
        assertThat(r.out).contains("agent    | [agent-sandbox: output past 65536 bytes (sandbox.max-output) is neither shown nor kept");
        assertThat(r.out).contains("tests    | [agent-sandbox: output past 65536 bytes");
        assertThat(r.out.length()).isLessThan(400_000);
        assertThat(Files.size(tmp.resolve("b/logs/agent.log"))).isLessThan(70_000);
    }
}
