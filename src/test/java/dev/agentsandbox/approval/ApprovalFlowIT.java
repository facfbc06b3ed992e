package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.SignedRun;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run → approve → merge on real repositories with a bare remote, and every refusal. */
class ApprovalFlowIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    Path bundle;
    Path key;
    ObjectId remoteMainBefore;

    @BeforeEach
    void setUp() throws Exception {
        run = SignedRun.inSandbox(tmp, "printf '\\n\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py && echo edited calc.py");
        repo = run.repo;
        bundle = run.bundle;
        key = run.key;
        remoteMainBefore = remoteHead("main");
    }

    SignedRun run;

    /** approve, reject and merge as CI runs them: the run's public key pinned, the CI's key signing. */
    Cli cli(String... args) {
        return run.cli(args);
    }

    ObjectId remoteHead(String branch) throws Exception {
        return run.remoteHead(branch);
    }

    JsonNode runJson() throws Exception {
        return new ObjectMapper().readTree(bundle.resolve("run.json").toFile());
    }

    Cli verify() {
        return Cli.run("verify", "--run", bundle.toString(), "--key", key + ".pub");
    }

    @Test
    void approveThenMergeLandsExactlyTheApprovedCommit() throws Exception {
        assertThat(verify().exitCode).as(verify().toString()).isZero();
        Cli a = cli("approve", "--run", bundle.toString(), "--by", "alice", "--comment", "looks right",
                "--signing-key", key + ".key", "--key", key + ".pub");
        assertThat(a.exitCode).as(a.toString()).isZero();
        Cli m = cli("merge", "--run", bundle.toString(), "--key", key + ".pub", "--signing-key", key + ".key");
        assertThat(m.exitCode).as(m.toString()).isZero();
        String head = runJson().get("headCommit").asText();
        assertThat(remoteHead("main").name()).isEqualTo(head);
        assertThat(remoteHead(runJson().get("featureBranch").asText()).name()).isEqualTo(head);
        Cli v = verify();
        assertThat(v.exitCode).as(v.toString()).isZero();
        assertThat(v.out).contains("up to the merge attestation");
        assertThat(Files.readString(bundle.resolve("audit.jsonl"))).contains("\"stage\":\"approval\"", "\"stage\":\"merge\"", "alice");
    }

    @Test
    void aCommitAddedToTheBranchAfterApprovalMakesMergeRefuse() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isZero();
        String branch = runJson().get("featureBranch").asText();
        try (Git g = Git.open(repo.dir.toFile())) {
            g.checkout().setName(branch).call();
            Files.writeString(repo.dir.resolve("evil.txt"), "added after review\n");
            g.add().addFilepattern("evil.txt").call();
            g.commit().setMessage("sneak").setAuthor("m", "m@x").setCommitter("m", "m@x").setSign(false).call();
            g.checkout().setName("main").call();
        }
        Cli m = cli("merge", "--run", bundle.toString());
        assertThat(m.exitCode).as(m.toString()).isEqualTo(4);
        assertThat(m.err).contains("a commit was added after approval");
        assertThat(remoteHead("main")).isEqualTo(remoteMainBefore);
    }

    @Test
    void aMergeWithoutApprovalIsRefused() throws Exception {
        Cli m = cli("merge", "--run", bundle.toString());
        assertThat(m.exitCode).isEqualTo(4);
        assertThat(m.err).contains("no approval");
        assertThat(remoteHead("main")).isEqualTo(remoteMainBefore);
    }

    @Test
    void aRejectedRunMergesNothingAndKeepsItsBranch() throws Exception {
        assertThat(cli("reject", "--run", bundle.toString(), "--by", "bob", "--comment", "use a loop").exitCode).isZero();
        Cli m = cli("merge", "--run", bundle.toString());
        assertThat(m.exitCode).isEqualTo(4);
        assertThat(m.err).contains("rejected by bob: use a loop");
        assertThat(remoteHead("main")).isEqualTo(remoteMainBefore);
        assertThat(repo.head(runJson().get("featureBranch").asText())).isNotNull();
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "carol").err).contains("a rejection is final");
    }

    @Test
    void aChangedByteInAnyReportThePatchOrAnAuditLineFailsVerifyAndIsNamed() throws Exception {
        assertThat(verify().exitCode).isZero();
        for (String file : List.of("change.patch", "gates.json", "run.json", "logs/agent.log")) {
            byte[] original = Files.readAllBytes(bundle.resolve(file));
            byte[] changed = original.clone();
            changed[changed.length / 2] ^= 1;
            Files.write(bundle.resolve(file), changed);
            Cli v = verify();
            assertThat(v.exitCode).as(file).isEqualTo(4);
            assertThat(v.out).contains("FAILED: " + file + ": sha256 differs from the attested one");
            Files.write(bundle.resolve(file), original);
        }
        List<String> audit = Files.readAllLines(bundle.resolve("audit.jsonl"));
        List<String> changed = new java.util.ArrayList<>(audit);
        int agentLine = java.util.stream.IntStream.range(0, audit.size()).filter(i -> audit.get(i).contains("\"stage\":\"agent\"")).findFirst().orElseThrow();
        changed.set(agentLine, changed.get(agentLine).replace("\"stage\":\"agent\"", "\"stage\":\"agenT\""));
        Files.write(bundle.resolve("audit.jsonl"), changed);
        Cli v = verify();
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.out).contains("FAILED: audit.jsonl line " + (agentLine + 2) + ": prev does not match the hash of line " + (agentLine + 1));
        Files.write(bundle.resolve("audit.jsonl"), audit);
        assertThat(verify().exitCode).isZero();
        assertThat(Cli.run("verify", "--run", bundle.toString(), "--key", writeOtherKey()).exitCode)
                .as("another key does not verify").isEqualTo(4);
    }

    String writeOtherKey() {
        Path other = tmp.resolve("other");
        Cli.run("keygen", "--out", other.toString());
        return other + ".pub";
    }

    @Test
    void theSigningKeyNeverAppearsInTheBundle() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice", "--signing-key", key + ".key").exitCode).isZero();
        String pem = Files.readString(Path.of(key + ".key"));
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] raw = java.util.Base64.getDecoder().decode(body);
        String rawTail = java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(raw, raw.length - 32, raw.length));
        try (var files = Files.walk(bundle)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String s = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(s).as(f.toString()).doesNotContain(body.substring(0, 40)).doesNotContain("PRIVATE KEY").doesNotContain(rawTail);
            }
        }
    }

    @Test
    void aRejectionCommentBecomesPartOfTheNextRunsTask() throws Exception {
        assertThat(cli("reject", "--run", bundle.toString(), "--by", "bob", "--comment", "also add divide").exitCode).isZero();
        Path next = tmp.resolve("bundle2");
        // without the run's key, a bundle would vouch for itself: anyone could write the "reviewer's" words
        Cli unkeyed = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add multiply", "--image", TestHost.IMAGE,
                "--command", "true", "--bundle", tmp.resolve("bundle-unkeyed").toString(), "--continue", bundle.toString(), "--quiet");
        assertThat(unkeyed.exitCode).isEqualTo(2);
        assertThat(unkeyed.err).contains("--continue " + bundle + " needs the signing key");
        Path other = tmp.resolve("other-key");
        Cli.run("keygen", "--out", other.toString());
        Cli forged = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add multiply", "--image", TestHost.IMAGE,
                "--command", "true", "--bundle", tmp.resolve("bundle-forged").toString(), "--continue", bundle.toString(),
                "--signing-key", other + ".key", "--quiet");
        assertThat(forged.exitCode).as("a bundle another key signed").isEqualTo(2);
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add multiply", "--image", TestHost.IMAGE,
                "--command", "printf '%s' \"$AGENT_TASK\" > TASK_SEEN.txt", "--bundle", next.toString(), "--continue", bundle.toString(),
                "--signing-key", key + ".key", "--quiet");
        assertThat(r.exitCode).as(r.toString()).isZero();
        String head = new ObjectMapper().readTree(next.resolve("run.json").toFile()).get("headCommit").asText();
        assertThat(repo.fileAt(head, "TASK_SEEN.txt")).startsWith("add multiply").contains("bob").contains("also add divide");
        assertThat(repo.head(runJson().get("featureBranch").asText())).as("the rejected branch is kept").isNotNull();
        assertThat(remoteHead(runJson().get("featureBranch").asText())).as("nothing of the agent's is pushed before approval").isNull();
    }

    @Test
    void nothingOfTheAgentsReachesTheRemoteBeforeApprovalUnlessAskedAndThenOutsideTheBranches() throws Exception {
        String featureBranch = runJson().get("featureBranch").asText();
        try (Git g = Git.open(repo.remote.toFile())) {
            assertThat(g.getRepository().getRefDatabase().getRefsByPrefix("refs/")).extracting(r -> r.getName()).containsOnly("refs/heads/main");
        }
        assertThat(remoteHead(featureBranch)).isNull();
        Path early = tmp.resolve("bundle-early");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add divide", "--image", TestHost.IMAGE,
                "--command", "echo 'def divide(a, b): return a / b' >> calc.py", "--bundle", early.toString(),
                "--push", "origin", "--push-before-approval", "--quiet");
        assertThat(r.exitCode).as(r.toString()).isZero();
        JsonNode run = new ObjectMapper().readTree(early.resolve("run.json").toFile());
        try (Git g = Git.open(repo.remote.toFile())) {
            var ref = g.getRepository().exactRef("refs/agent-sandbox/" + run.get("runId").asText());
            assertThat(ref).as("pushed outside refs/heads, where branch-triggered CI does not look").isNotNull();
            assertThat(ref.getObjectId().name()).isEqualTo(run.get("headCommit").asText());
            assertThat(g.getRepository().getRefDatabase().getRefsByPrefix("refs/heads/")).extracting(x -> x.getName())
                    .containsOnly("refs/heads/main");
        }
        assertThat(Files.readString(early.resolve("audit.jsonl"))).contains("pushed-before-approval");
        Cli bad = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--bundle", tmp.resolve("b3").toString(), "--push-before-approval");
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.err).contains("--push-before-approval needs --push REMOTE");
    }
}
