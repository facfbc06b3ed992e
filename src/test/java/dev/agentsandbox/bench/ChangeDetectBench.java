package dev.agentsandbox.bench;

import dev.agentsandbox.workspace.BaseSnapshot;
import dev.agentsandbox.workspace.ChangeCollector;
import dev.agentsandbox.workspace.Collected;
import dev.agentsandbox.workspace.WorkspaceExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Change detection on a large tree with a few files changed: agent-sandbox's collector on an
 * exported workspace versus the time the caller measures for `git status --porcelain`. Usage:
 * ChangeDetectBench REPO WORKSPACE CHANGED_FILE... Prints "collect_seconds=…" (best of 5).
 */
public final class ChangeDetectBench {
    public static void main(String[] args) throws Exception {
        Path repoDir = Path.of(args[0]);
        Path ws = Path.of(args[1]);
        List<String> changed = List.of(args).subList(2, args.length);
        try (Repository repo = new FileRepositoryBuilder().setGitDir(repoDir.resolve(".git").toFile()).build()) {
            BaseSnapshot base = new WorkspaceExporter(Clock.systemUTC()).export(repo, repo.resolve("HEAD"), ws);
            Thread.sleep(20);
            for (String c : changed) {
                Files.writeString(ws.resolve(c), "changed\n", java.nio.file.StandardOpenOption.APPEND);
            }
            double best = Double.MAX_VALUE;
            int found = 0;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                try (ObjectReader reader = repo.newObjectReader()) {
                    Collected c = new ChangeCollector(1 << 20).collect(ws, base, reader);
                    found = c.change().files().size();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            System.out.printf("collect_seconds=%.4f%nchanged_found=%d%nfiles=%d%n", best, found, base.entries().size());
        }
    }
}
