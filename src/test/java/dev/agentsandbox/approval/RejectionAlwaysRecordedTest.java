package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SignedRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rejection always finds its place: approvals stop one short of the bundle's limit, so a run
 * flooded with approvals (the review found 40 filled it, after which a reject was refused and the
 * merge landed) can still be rejected, and then nothing merges.
 */
class RejectionAlwaysRecordedTest {
    @TempDir
    Path tmp;

    @Test
    void aRunFullOfApprovalsCanStillBeRejectedAndThenNeverMerges() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        for (int i = 1; i < Layout.MAX_DECISIONS; i++) {
            assertThat(run.cli("approve", "--run", run.bundle.toString(), "--by", "reviewer" + i).exitCode).as("approval %d", i).isZero();
        }
        Cli more = run.cli("approve", "--run", run.bundle.toString(), "--by", "one-too-many");
        assertThat(more.exitCode).isEqualTo(4);
        assertThat(more.err).contains("no more are recorded (a rejection still is)");
        Cli reject = run.cli("reject", "--run", run.bundle.toString(), "--by", "security", "--comment", "no");
        assertThat(reject.exitCode).as(reject.toString()).isZero();
        Cli merge = run.cli("merge", "--run", run.bundle.toString(), "--remote", "origin");
        assertThat(merge.exitCode).isEqualTo(4);
        assertThat(merge.err).contains("rejected by security");
        assertThat(run.remoteHead("main")).isEqualTo(run.repo.head("main"));
    }
}
