package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.audit.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * A sample repository with a bare remote, a CI signing key, and one gated run of an agent signed
 * with it: what the approval tests start from. {@link #cli} runs approve, reject and merge as CI
 * does, with the public key pinned and the CI key signing.
 */
public final class SignedRun {
    public final SampleRepo repo;
    public final Path bundle;
    public final Path key;

    private SignedRun(SampleRepo repo, Path bundle, Path key) {
        this.repo = repo;
        this.bundle = bundle;
        this.key = key;
    }

    /**
     * Runs an agent that edits calc.py, with {@code --push origin} (the remote merge pushes to), on
     * the real pipeline in this JVM with a {@link FakeBackend}: what the bundle's logic needs, in
     * well under a second. The agent's line is the test's own, run on the host.
     */
    public static SignedRun create(Path tmp, String agentScript) throws Exception {
        return fake(tmp, agentScript, 0);
    }

    /** A run whose gates fail (exit 1), signed and committed all the same: what an attacker would try to land. */
    public static SignedRun createFailing(Path tmp, String agentScript) throws Exception {
        return fake(tmp, agentScript, 1);
    }

    /** The same, through the command line with the agent in a real gVisor sandbox: one per flow. */
    public static SignedRun inSandbox(Path tmp, String agentScript) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path bundle = tmp.resolve("bundle");
        Path key = keygen(tmp);
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add multiply", "--image", TestHost.IMAGE,
                "--command", agentScript, "--bundle", bundle.toString(), "--signing-key", key + ".key", "--push", "origin", "--quiet");
        assertThat(r.exitCode).as(r.toString()).isZero();
        return new SignedRun(repo, bundle, key);
    }

    private static SignedRun fake(Path tmp, String agentScript, int exitCode) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path key = keygen(tmp);
        SignedRun run = new SignedRun(repo, tmp.resolve("bundle"), key);
        assertThat(run.another("add multiply", agentScript, run.bundle).exitCode().code()).isEqualTo(exitCode);
        return run;
    }

    /** Another run on the same repository and key, in this JVM on the fake backend; its bundle at {@code bundle}. */
    public dev.agentsandbox.run.RunResult another(String task, String agentScript, Path bundle) throws Exception {
        return FakeRuns.run(bundle.resolveSibling(bundle.getFileName() + ".scratch"), FakeBackend.shell(agentScript),
                FakeRuns.request(repo.dir, task, bundle, "origin", null), FakeRuns.CONFIG, SigningKeys.load(Path.of(key + ".key")), null);
    }

    private static Path keygen(Path tmp) {
        Path key = tmp.resolve("signing");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        return key;
    }

    public Cli cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (!a.contains("--key") && !a.contains("--unpinned-key")) {
            a.addAll(List.of("--key", key + ".pub"));
        }
        if (!a.contains("--signing-key") && !a.get(0).equals("verify")) {
            a.addAll(List.of("--signing-key", key + ".key"));
        }
        return Cli.run(a.toArray(String[]::new));
    }

    public ObjectId remoteHead(String branch) throws Exception {
        try (Git g = Git.open(repo.remote.toFile())) {
            var ref = g.getRepository().exactRef(Constants.R_HEADS + branch);
            return ref == null ? null : ref.getObjectId();
        }
    }

    /** Copies a folder tree (a bundle downloaded as a CI artifact). */
    public static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path d = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d);
                }
            }
        }
    }
}
