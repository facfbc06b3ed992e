package dev.agentsandbox.cli;

import dev.agentsandbox.approval.MergeService;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.run.prepare.Repositories;
import dev.agentsandbox.gate.secrets.Redaction;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "merge", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Merge an approved run into its base branch (and push), only if nothing changed since approval.")
final class MergeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    RunBundleOption run;

    @Option(names = "--repo", description = "the repository (default: the one the run used)")
    Path repo;

    @Option(names = "--remote", description = "push the result to this remote (default: merge.remote of the run)")
    String remote;

    @picocli.CommandLine.Mixin
    PinnedKey key;

    @picocli.CommandLine.Mixin
    SigningKey signingKey;

    @Override
    public Integer call() throws AgentSandboxException {
        Path bundle = run.require();
        Path repoDir = repo != null ? repo : Path.of(java.util.Objects.requireNonNullElse(dev.agentsandbox.bundle.RunRecord.readUnverified(bundle).repo(), "."));
        try (Repository r = Repositories.open(repoDir)) {
            var pinned = key.require("merge");
            MergeService.Merged m = new MergeService(Clock.systemUTC(), Redaction::redact, System.getenv(), CiEnvironment.gitCredentials(System.getenv()))
                    .merge(bundle, r, pinned, remote, signingKey.load());
            var out = spec.commandLine().getOut();
            out.printf("merged: %s is now %s (%s)%n", m.target(), m.commit(), m.fastForward() ? "fast-forward" : "merge commit");
            if (m.pushedTo() != null) {
                out.println("pushed to " + m.pushedTo());
            }
            if (!m.localUpdated()) {
                out.println("the local branch " + m.target() + " was left as it is (checked out here, or it moved): pull to update it");
            }
            return ExitCodes.OK;
        }
    }
}
