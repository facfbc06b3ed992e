package dev.agentsandbox.pipeline;

import dev.agentsandbox.bundle.Outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.bundle.BundleVerifier;
import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.git.CommitSigning;
import dev.agentsandbox.run.RunResult;
import dev.agentsandbox.testing.FakeBackend;
import dev.agentsandbox.testing.FakeRuns;
import dev.agentsandbox.testing.SampleRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline (prepare → agent → collect → gates → publish) on a fake sandbox backend: the
 * stages' logic in seconds, with no Docker. The "agent" is Java code editing the workspace folder
 * the pipeline mounts; real git repositories and bundles throughout. The integration tests run the
 * same pipeline in real gVisor sandboxes.
 */
class RunPipelineTest {
    @TempDir
    Path tmp;

    private static final String CONFIG = """
            version: 1
            sandbox:
              disk: unlimited
              process-log: false
            checks:
              tests:
                command: ["true"]
            """;

    private RunResult run(SampleRepo repo, FakeBackend backend, String bundle) throws AgentSandboxException {
        return run(repo, backend, bundle, CONFIG);
    }

    private RunResult run(SampleRepo repo, FakeBackend backend, String bundle, String config) throws AgentSandboxException {
        return run(repo, backend, bundle, config, null);
    }

    private RunResult run(SampleRepo repo, FakeBackend backend, String bundle, String config, CommitSigning signing)
            throws AgentSandboxException {
        return FakeRuns.run(tmp.resolve("scratch"), backend, FakeRuns.request(repo.dir, "add a greeting", tmp.resolve(bundle), null), config,
                null, signing);
    }

    @Test
    void aCleanChangeIsCommittedOnTheFeatureBranchGatedInOrderAndAttested() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        ObjectId main = repo.head("main");
        FakeBackend backend = new FakeBackend(ws -> {
            Files.writeString(ws.resolve("GREETING.md"), "hello\n");
            return 0;
        }, Map.of());
        RunResult r = run(repo, backend, "b1");

        assertThat(r.verdict()).isEqualTo(Outcome.PASS);
        assertThat(r.gates()).extracting(GateResult::gate).containsExactly("agent", "collect", "policy", "secrets", "risk", "dependencies", "tests");
        assertThat(backend.ran).containsExactly("agent", "tests"); // the check in a fresh sandbox of its own
        assertThat(repo.head("main")).isEqualTo(main);
        assertThat(repo.head(r.featureBranch())).isEqualTo(ObjectId.fromString(r.headCommit()));
        assertThat(repo.fileAt(r.headCommit(), "GREETING.md")).isEqualTo("hello\n");

        BundleSnapshot b = BundleSnapshot.read(r.bundle());
        RunRecord run = b.run();
        assertThat(run.verdict()).isEqualTo(Outcome.PASS);
        assertThat(run.exitCode()).isZero();
        assertThat(run.headCommit()).isEqualTo(r.headCommit());
        assertThat(run.requestedBy()).isEqualTo("alice");
        assertThat(run.risk().tier()).isEqualTo("low");
        assertThat(b.has(Layout.CHANGE_BUNDLE)).isTrue();
        assertThat(b.has("reports/sbom.cdx.json")).as("the dependency gate writes its SBOM").isTrue();
        assertThat(BundleVerifier.verify(b, null).problems()).isEmpty();
    }

    @Test
    void aFailedAgentCommitsNothingAndAFailedCheckFailsTheRun() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        RunResult failedAgent = run(repo, new FakeBackend(ws -> {
            Files.writeString(ws.resolve("half.txt"), "half");
            return 2;
        }, Map.of()), "b2");
        assertThat(failedAgent.verdict()).isEqualTo(Outcome.FAIL);
        assertThat(failedAgent.headCommit()).isNull();
        assertThat(failedAgent.gates().get(0).findings()).extracting(f -> f.rule()).containsExactly("exit-status");

        RunResult failedCheck = run(repo, new FakeBackend(ws -> {
            Files.writeString(ws.resolve("ok.txt"), "ok");
            return 0;
        }, Map.of("tests", 1)), "b3");
        assertThat(failedCheck.verdict()).isEqualTo(Outcome.FAIL);
        assertThat(failedCheck.headCommit()).as("the change is kept for review, the gate says no").isNotNull();
        assertThat(failedCheck.gates()).filteredOn(g -> g.gate().equals("tests")).singleElement()
                .satisfies(g -> assertThat(g.findings()).extracting(f -> f.rule()).containsExactly("exit-status"));
    }

    @Test
    void aCredentialInTheChangeKeepsThePatchRedactedAndTheCommitOutOfTheBundle() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
        RunResult r = run(repo, new FakeBackend(ws -> {
            Files.writeString(ws.resolve("config.env"), "GITHUB_TOKEN=" + token + "\n");
            return 0;
        }, Map.of()), "b4");
        assertThat(r.verdict()).isEqualTo(Outcome.FAIL);
        assertThat(Files.readString(r.bundle().resolve(Layout.PATCH))).doesNotContain(token).contains("REDACTED");
        assertThat(r.bundle().resolve(Layout.CHANGE_BUNDLE)).doesNotExist();
    }

    @Test
    void aLinkOutOfTheWorkspaceIsRefusedAndNoGateRunsOnIt() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        FakeBackend backend = new FakeBackend(ws -> {
            Files.createSymbolicLink(ws.resolve("passwd"), Path.of("/etc/passwd"));
            return 0;
        }, Map.of());
        RunResult r = run(repo, backend, "b5");
        assertThat(r.verdict()).isEqualTo(Outcome.FAIL);
        assertThat(r.headCommit()).isNull();
        assertThat(r.gates()).extracting(GateResult::gate).containsExactly("agent", "collect");
        assertThat(backend.ran).containsExactly("agent");
    }

    @Test
    void aRunThatBreaksAfterCommittingRemovesItsBranchAndRecordsWhy() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        FakeBackend backend = new FakeBackend(ws -> {
            Files.writeString(ws.resolve("x.txt"), "x");
            return 0;
        }, Map.of());
        backend.failCheck = new InfrastructureException("the Docker daemon went away");
        assertThatThrownBy(() -> run(repo, backend, "b6")).isInstanceOf(InfrastructureException.class).hasMessageContaining("went away");
        RunRecord run = BundleSnapshot.read(tmp.resolve("b6")).run();
        assertThat(run.verdict()).isEqualTo(Outcome.ERROR);
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.error()).contains("went away");
        try (var git = org.eclipse.jgit.api.Git.open(repo.dir.toFile())) {
            assertThat(git.branchList().call()).extracting(ref -> ref.getName()).containsExactly("refs/heads/main");
        }
    }

    @Test
    void aCheckAskingForRegistriesThatNoneAreListedForIsRefusedBeforeTheAgentStarts() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        FakeBackend backend = new FakeBackend(ws -> 0, Map.of());
        assertThatThrownBy(() -> run(repo, backend, "b7", CONFIG + "    registries: true\n"))
                .isInstanceOf(dev.agentsandbox.error.UsageException.class).hasMessageContaining("checks.tests.registries");
        assertThat(backend.ran).isEmpty();
    }

    @Test
    void aRepositoryThatAsksForAnotherBackendIsRefusedBeforeTheAgentStarts() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        FakeBackend backend = new FakeBackend(ws -> 0, Map.of());
        String config = CONFIG.replace("sandbox:\n", "sandbox:\n  backend: kubernetes\n");
        assertThatThrownBy(() -> run(repo, backend, "b9", config))
                .isInstanceOf(dev.agentsandbox.error.UsageException.class).hasMessageContaining("sandbox.backend: kubernetes")
                .hasMessageContaining("--backend kubernetes");
        assertThat(backend.ran).isEmpty();
    }

    @Test
    void theAgentsCommitIsSshSignedAsGitVerifiesItAndAnotherKeyOrNoSignatureIsRefused() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        CommitSigning signing = CommitSigning.load(dev.agentsandbox.testing.SshKeys.ed25519(tmp, "ci-key"));
        RunResult r = run(repo, new FakeBackend(ws -> {
            Files.writeString(ws.resolve("signed.txt"), "s\n");
            return 0;
        }, Map.of()), "b8", CONFIG, signing);
        assertThat(r.verdict()).isEqualTo(Outcome.PASS);
        assertThat(BundleSnapshot.read(r.bundle()).run().commitSigner()).isEqualTo(signing.publicKey());
        // real git, with ssh-keygen, says the signature is good
        Path allowed = Files.writeString(tmp.resolve("allowed"), "agent-sandbox@localhost " + signing.publicKey() + "\n");
        Process git = new ProcessBuilder("git", "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=" + allowed, "verify-commit",
                r.headCommit()).directory(repo.dir.toFile()).redirectErrorStream(true).start();
        String said = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(git.waitFor()).as(said).isZero();
        assertThat(said).contains("Good \"git\" signature");
        try (var git2 = org.eclipse.jgit.api.Git.open(repo.dir.toFile()); var rw = new org.eclipse.jgit.revwalk.RevWalk(git2.getRepository())) {
            var head = rw.parseCommit(ObjectId.fromString(r.headCommit()));
            CommitSigning.requireSigned(git2.getRepository(), head, signing.publicKey(), tmp);
            String other = CommitSigning.load(dev.agentsandbox.testing.SshKeys.ed25519(tmp, "other-key")).publicKey();
            assertThatThrownBy(() -> CommitSigning.requireSigned(git2.getRepository(), head, other, tmp))
                    .hasMessageContaining("does not verify");
            var base = rw.parseCommit(repo.head("main"));
            assertThatThrownBy(() -> CommitSigning.requireSigned(git2.getRepository(), base, signing.publicKey(), tmp))
                    .hasMessageContaining("is not signed");
        }
        Files.writeString(tmp.resolve("not-a-key"), "hello");
        assertThatThrownBy(() -> CommitSigning.load(tmp.resolve("not-a-key"))).hasMessageContaining("ssh-keygen -t ed25519");
    }

    @Test
    void aSandboxWhoseBoundaryDoesNotHoldFailsTheRunAndTheProbeIsAttested() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        FakeBackend leaky = new FakeBackend(ws -> {
            Files.writeString(ws.resolve("x.txt"), "x");
            return 0;
        }, Map.of());
        // a host whose sandbox has a network interface and shows a host variable
        leaky.probe = spec -> FakeBackend.heldReport(spec).replace("net none", "net eth0,")
                .replace("agent-sandbox-probe end", "agent-sandbox-probe env AWS_SECRET_ACCESS_KEY\nagent-sandbox-probe end");
        RunResult r = run(repo, leaky, "b9");
        assertThat(r.verdict()).isEqualTo(Outcome.FAIL);
        assertThat(r.headCommit()).as("a change from a sandbox that did not hold is not committed").isNull();
        assertThat(r.gates().get(0).findings()).extracting(f -> f.message())
                .anyMatch(m -> m.contains("network interfaces besides loopback: eth0"))
                .anyMatch(m -> m.contains("variables it was not given: AWS_SECRET_ACCESS_KEY"));

        RunResult held = run(repo, new FakeBackend(ws -> {
            Files.writeString(ws.resolve("y.txt"), "y");
            return 0;
        }, Map.of()), "b10");
        assertThat(held.verdict()).isEqualTo(Outcome.PASS);
        String statement = new String(java.util.Base64.getDecoder().decode(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(held.bundle().resolve("attestation/gates.dsse.json").toFile()).path("payload").asText()), StandardCharsets.UTF_8);
        assertThat(statement).contains("\"boundary\"").contains("\"held\" : true").contains("loopback only");
    }
}
