package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.SignedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle's folders swapped for links while `approve` writes into them: the writes go through
 * open folders (openat with O_NOFOLLOW, renameat), so nothing lands outside the bundle, whatever
 * the timing. The review put files outside in 5 of 40 tries before; on this machine the old code's
 * window (between its link check and its open) was not hit in 40 tries either, so this test guards
 * the property rather than proving the old race: the guarantee is by construction (every step is
 * relative to a folder opened without following links).
 */
class WriteRaceTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderSwappedForALinkDuringApproveNeverRedirectsAWrite() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        int landedInside = 0;
        for (int i = 0; i < 40; i++) {
            Path copy = tmp.resolve("b" + i);
            SignedRun.copyTree(run.bundle, copy);
            Path att = copy.resolve("attestation");
            Path real = copy.resolve("attestation.real");
            AtomicBoolean stop = new AtomicBoolean();
            Path audit = copy.resolve("audit.jsonl");
            long before = Files.size(audit);
            Thread swapper = new Thread(() -> {
                // the read and the check are done once the decision is in the log: swap while its attestation is written
                try {
                    while (!stop.get() && Files.size(audit) == before) {
                        Thread.onSpinWait();
                    }
                } catch (java.io.IOException e) {
                    return;
                }
                while (!stop.get()) {
                    try {
                        Files.move(att, real);
                        Files.createSymbolicLink(att, outside);
                        Thread.onSpinWait();
                        Files.delete(att);
                        Files.move(real, att);
                    } catch (Exception e) {
                        // the command holds or changed the folder at that moment: try again
                    }
                }
            });
            swapper.start();
            var r = run.cli("approve", "--run", copy.toString(), "--by", "ann");
            stop.set(true);
            swapper.join();
            if (r.exitCode == 0) {
                landedInside++;
            }
            try (var files = Files.list(outside)) {
                assertThat(files.toList()).as("try %d: nothing written through the link (%s)", i, r).isEmpty();
            }
        }
        // each try either wrote inside the bundle or was refused; which depends on the timing
        assertThat(landedInside).isBetween(0, 40);
    }
}
