package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's commit signed with the CI's SSH key (--commit-key): the commit that lands on the
 * remote verifies with real git, and merge refuses a run whose recorded signer does not match
 * the commit's signature, even when everything else about the bundle verifies.
 */
class SignedCommitIT {
    @TempDir
    Path tmp;

    /** "ssh-ed25519 AAAA… comment" without its comment. */
    private static String keyOnly(String line) {
        String[] parts = line.strip().split(" ");
        return parts[0] + " " + parts[1];
    }

    private static String gitVerify(Path repo, String commit, Path allowed) throws Exception {
        Process git = new ProcessBuilder("git", "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=" + allowed, "verify-commit",
                commit).directory(repo.toFile()).redirectErrorStream(true).start();
        String said = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return git.waitFor() + " " + said;
    }

    @Test
    void theSignedCommitLandsAndVerifiesAndASwappedSignerIsRefused() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path signing = tmp.resolve("signing");
        assertThat(Cli.run("keygen", "--out", signing.toString()).exitCode).isZero();
        Path commitKey = dev.agentsandbox.testing.SshKeys.ed25519(tmp, "ci-commit-key");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add a note", "--image", TestHost.IMAGE, "--command",
                "echo note > NOTE.md", "--bundle", tmp.resolve("b").toString(), "--signing-key", signing + ".key", "--push", "origin",
                "--commit-key", commitKey.toString(), "--quiet");
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).contains("signed");
        String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("b/run.json").toFile()).path("headCommit").asText();
        String pub = keyOnly(Files.readString(Path.of(commitKey + ".pub")));
        assertThat(Files.readString(tmp.resolve("b/run.json"))).contains(pub);

        // A copy of the run whose recorded signer is swapped for another key, the bundle re-signed by someone
        // holding the attestation key: everything verifies but the commit's signature, and merge refuses it.
        Path copy = tmp.resolve("b-copy");
        dev.agentsandbox.testing.SignedRun.copyTree(tmp.resolve("b"), copy);
        String other = keyOnly(Files.readString(Path.of(dev.agentsandbox.testing.SshKeys.ed25519(tmp, "other-key") + ".pub")));
        Path runJson = copy.resolve("run.json");
        String tampered = Files.readString(runJson).replace(pub, other);
        assertThat(tampered).contains(other);
        Files.writeString(runJson, tampered);
        assertThat(dev.agentsandbox.testing.Bundles.resign(copy, signing + ".key")).isTrue();
        assertThat(Cli.run("approve", "--run", copy.toString(), "--by", "alice", "--key", signing + ".pub",
                "--signing-key", signing + ".key").exitCode).isZero();
        Cli refused = Cli.run("merge", "--run", copy.toString(), "--key", signing + ".pub", "--signing-key", signing + ".key");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(4);
        assertThat(refused.err).contains("does not verify with the key its run recorded");

        assertThat(Cli.run("approve", "--run", tmp.resolve("b").toString(), "--by", "alice", "--key", signing + ".pub",
                "--signing-key", signing + ".key").exitCode).isZero();
        Cli merged = Cli.run("merge", "--run", tmp.resolve("b").toString(), "--key", signing + ".pub", "--signing-key", signing + ".key");
        assertThat(merged.exitCode).as(merged.toString()).isZero();
        Path allowed = Files.writeString(tmp.resolve("allowed"), "agent-sandbox@localhost " + pub + "\n");
        assertThat(gitVerify(repo.remote, head, allowed)).startsWith("0 ").contains("Good \"git\" signature");
        try (Git g = Git.open(repo.remote.toFile())) {
            assertThat(g.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId().name()).isEqualTo(head);
        }
    }
}
