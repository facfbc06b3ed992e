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
 * Change detection on a large tree with a few files changed, versus the time the caller measures
 * for `git status --porcelain`: the collector on an overlay's upper layer (what a run does by
 * default: the layer holds the changed files as overlayfs copies them up) and on a whole private
 * copy (the fallback). Usage: ChangeDetectBench REPO WORKSPACE CHANGED_FILE... Prints
 * "upper_seconds=…" and "collect_seconds=…" (best of 5 each).
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
            Path upper = Files.createDirectories(ws.resolveSibling(ws.getFileName() + "-upper"));
            for (String c : changed) {
                Files.createDirectories(upper.resolve(c).getParent());
                Files.copy(ws.resolve(c), upper.resolve(c));
            }
            double copy = Double.MAX_VALUE;
            double layer = Double.MAX_VALUE;
            int found = 0;
            int foundUpper = 0;
            for (int i = 0; i < 5; i++) {
                try (ObjectReader reader = repo.newObjectReader()) {
                    long t0 = System.nanoTime();
                    Collected c = new ChangeCollector(1 << 20).collect(ws, base, reader);
                    long t1 = System.nanoTime();
                    // The base is looked up in git within the timing, as git status reads its index.
                    Collected u = new ChangeCollector(1 << 20).collectUpper(upper, repo.resolve("HEAD^{tree}"), reader);
                    long t2 = System.nanoTime();
                    found = c.change().files().size();
                    foundUpper = u.change().files().size();
                    copy = Math.min(copy, (t1 - t0) / 1e9);
                    layer = Math.min(layer, (t2 - t1) / 1e9);
                }
            }
            if (found != changed.size() || foundUpper != changed.size()) {
                throw new IllegalStateException("expected " + changed.size() + " changes, found " + found + " and " + foundUpper);
            }
            System.out.printf("upper_seconds=%.4f%ncollect_seconds=%.4f%nchanged_found=%d%nfiles=%d%n", layer, copy, found, base.entries().size());
        }
    }
}
