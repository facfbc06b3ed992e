package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One person, one identity, through the CLI: the requester under another case, with a trailing
 * space or in fullwidth letters cannot approve their own run; the same approver in four forms
 * counts once; invisible characters, Hangul fillers and line breaks (which wrote forged
 * Reviewed-by lines) are refused, with nothing recorded. Fails without the normalisation: "Alice"
 * and "alice " made 2 of 2.
 */
class IdentityApprovalIT {
    @TempDir
    Path tmp;

    @Test
    void namesAreComparedAsPeopleWhateverTheirForm() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path key = tmp.resolve("signing");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        Path bundle = tmp.resolve("bundle");
        // a shared library: a high-risk change, two distinct people must approve
        Cli run = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add a helper", "--image", TestHost.IMAGE, "--command",
                "mkdir -p lib && printf 'def mul(a, b):\\n    return a * b\\n' > lib/mul.py", "--bundle", bundle.toString(),
                "--signing-key", key + ".key", "--push", "origin", "--requested-by", "Alice", "--quiet");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(Files.readString(bundle.resolve("run.json"))).contains("\"requestedBy\" : \"alice\"");

        for (String requester : new String[] {"alice", "ALICE", "alice ", "ａｌｉｃｅ", "\u3000Alice"}) {
            Cli self = approve(bundle, key, requester);
            assertThat(self.exitCode).as("requester as '%s'", requester).isEqualTo(4);
            assertThat(self.err).contains("alice asked for this run and may not approve it");
        }
        for (String hidden : new String[] {"bob\u200b", "\u115fbob", "bob\u3164", "bob\ufe0f", "bob\nReviewed-by: ceo <ceo@example.com>", "bob\u202e"}) {
            Cli refused = approve(bundle, key, hidden);
            assertThat(refused.exitCode).as("'%s'", hidden).isEqualTo(2);
            assertThat(refused.err).contains("--by: the name holds");
        }
        assertThat(bundle.resolve("approval.json")).as("nothing recorded by a refused name").doesNotExist();

        for (String bob : new String[] {"bob", "BOB", "ｂｏｂ", " Bob "}) {
            Cli ok = approve(bundle, key, bob);
            assertThat(ok.exitCode).as(ok.toString()).isZero();
            assertThat(ok.out).contains("by bob; 1 of 2 approval(s)");
        }
        Cli early = Cli.run("merge", "--run", bundle.toString(), "--key", key + ".pub", "--signing-key", key + ".key", "--remote", "origin");
        assertThat(early.exitCode).as("one person in four forms is one approval").isEqualTo(4);
        assertThat(approve(bundle, key, "Carol").out).contains("2 of 2 approval(s)");
        Cli merged = Cli.run("merge", "--run", bundle.toString(), "--key", key + ".pub", "--signing-key", key + ".key", "--remote", "origin");
        assertThat(merged.exitCode).as(merged.toString()).isZero();
        String audit = Files.readString(bundle.resolve("audit.jsonl"));
        assertThat(audit).contains("\"by\":\"bob\",").contains("\"byAsGiven\":\"ｂｏｂ\"").contains("\"byAsGiven\":\" Bob \"");
        assertThat(Cli.run("verify", "--run", bundle.toString(), "--key", key + ".pub").exitCode).isZero();
    }

    private static Cli approve(Path bundle, Path key, String by) {
        return Cli.run("approve", "--run", bundle.toString(), "--by", by, "--key", key + ".pub", "--signing-key", key + ".key");
    }
}
