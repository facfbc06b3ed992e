package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.BundleSession;
import dev.agentsandbox.approval.MergeService;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.git.Repositories;
import dev.agentsandbox.secrets.Redaction;
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
        var pinned = key.require("merge");
        // The repository comes from the verified bundle, inside the session: never from a field read before the check.
        try (BundleSession session = BundleSession.open(bundle, pinned, "nothing was merged")) {
            Path repoDir = session.repositoryFolder(repo);
            try (Repository r = Repositories.open(repoDir != null ? repoDir : Path.of("."))) {
                MergeService.Merged m = new MergeService(Clock.systemUTC(), Redaction::redact, System.getenv(), CiEnvironment.gitCredentials(System.getenv()))
                        .merge(session, r, remote, signingKey.load());
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
}
