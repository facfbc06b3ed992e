package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.SignedRun;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.testing.FakeBackend;
import dev.agentsandbox.testing.FakeRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The approval binds the repository: a run made without a remote is not pushed to one named later,
 * and a remote whose path differs only in case (another repository on a case-sensitive server) is
 * not the run's. Both were accepted before.
 */
class RepositoryBindingTest {
    @TempDir
    Path tmp;

    @Test
    void aRunMadeWithoutARemoteIsNeverPushedToOneNamedLater() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        try (Git g = Git.open(repo.dir.toFile())) {
            g.remoteRemove().setRemoteName("origin").call();
        }
        Path key = tmp.resolve("k");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        Path bundle = tmp.resolve("bundle");
        var run = FakeRuns.run(tmp.resolve("scratch"), FakeBackend.shell("printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py"),
                FakeRuns.request(repo.dir, "add mul", bundle, null, null), FakeRuns.CONFIG, SigningKeys.load(Path.of(key + ".key")), null);
        assertThat(run.verdict()).isEqualTo(dev.agentsandbox.bundle.Outcome.PASS);
        assertThat(Files.readString(bundle.resolve("run.json"))).contains("\"repository\" : null");
        assertThat(Cli.run("approve", "--run", bundle.toString(), "--by", "ann", "--key", key + ".pub", "--signing-key", key + ".key").exitCode).isZero();
        Path unrelated = tmp.resolve("unrelated.git");
        Git.init().setBare(true).setDirectory(unrelated.toFile()).setInitialBranch("main").call().close();
        try (Git g = Git.open(repo.dir.toFile())) {
            g.remoteAdd().setName("origin").setUri(new org.eclipse.jgit.transport.URIish(unrelated.toUri().toString())).call();
        }
        Cli merge = Cli.run("merge", "--run", bundle.toString(), "--key", key + ".pub", "--signing-key", key + ".key", "--remote", "origin");
        assertThat(merge.exitCode).as(merge.toString()).isEqualTo(4);
        assertThat(merge.err).contains("made in a repository with no remote");
        try (Git g = Git.open(unrelated.toFile())) {
            assertThat(g.getRepository().exactRef("refs/heads/main")).isNull();
        }
    }

    @Test
    void aRemoteThatDiffersOnlyInCaseIsAnotherRepository() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        assertThat(run.cli("approve", "--run", run.bundle.toString(), "--by", "ann").exitCode).isZero();
        Path other = tmp.resolve("REMOTE.git");
        Git.cloneRepository().setBare(true).setURI(run.repo.remote.toUri().toString()).setDirectory(other.toFile()).call().close();
        try (Git g = Git.open(run.repo.dir.toFile())) {
            g.remoteSetUrl().setRemoteName("origin").setRemoteUri(new org.eclipse.jgit.transport.URIish(other.toUri().toString())).call();
        }
        Cli merge = run.cli("merge", "--run", run.bundle.toString(), "--remote", "origin");
        assertThat(merge.exitCode).as(merge.toString()).isEqualTo(4);
        assertThat(merge.err).contains("an approval cannot be carried to another repository");
    }
}
