package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SignedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every entry of a bundle is in the signed chain, or the bundle is refused: an envelope outside the
 * chain of stages, a public key swapped beside an envelope, a second (junk) signature, a rewritten
 * key id, and a folder named like a decision file. Each of these verified before.
 */
class BundleEntriesTest {
    @TempDir
    Path tmp;
    SignedRun run;

    @BeforeEach
    void signedAndApproved() throws Exception {
        run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        assertThat(run.cli("approve", "--run", run.bundle.toString(), "--by", "ann").exitCode).isZero();
        assertThat(run.cli("verify", "--run", run.bundle.toString()).exitCode).isZero();
    }

    Cli tampered(String name, Consumer<Path> change) throws Exception {
        Path copy = tmp.resolve(name);
        SignedRun.copyTree(run.bundle, copy);
        change.accept(copy);
        return run.cli("verify", "--run", copy.toString());
    }

    @Test
    void anEnvelopeOutsideTheChainIsRefused() throws Exception {
        Cli r = tampered("stray", b -> copy(b.resolve("attestation/approval.dsse.json"), b.resolve("attestation/approval-9.dsse.json")));
        assertThat(r.exitCode).isEqualTo(4);
        assertThat(r.all()).contains("attestation/approval-9.dsse.json: outside the bundle's chain of stages");
    }

    @Test
    void aKeySwappedBesideAnEnvelopeIsRefusedUnderThePinnedKey() throws Exception {
        Path other = tmp.resolve("other");
        Cli.run("keygen", "--out", other.toString());
        Cli r = tampered("swapped", b -> copy(Path.of(other + ".pub"), b.resolve("attestation/gates.pub")));
        assertThat(r.exitCode).isEqualTo(4);
        assertThat(r.all()).contains("attestation/gates.pub: is not the pinned key");
    }

    @Test
    void aSecondSignatureOrARewrittenKeyIdIsRefused() throws Exception {
        Cli junk = tampered("junk", b -> envelope(b, sigs -> sigs.addObject().put("keyid", "0".repeat(64)).put("sig", "AAAA")));
        assertThat(junk.exitCode).isEqualTo(4);
        assertThat(junk.all()).contains("attestation/gates.dsse.json: 2 signatures, where a run writes one");
        Cli keyId = tampered("keyid", b -> envelope(b, sigs -> ((ObjectNode) sigs.get(0)).put("keyid", "f".repeat(64))));
        assertThat(keyId.exitCode).isEqualTo(4);
        assertThat(keyId.all()).contains("attestation/gates.dsse.json: the signature does not verify");
    }

    @Test
    void aFolderNamedLikeADecisionIsRefusedAndCannotBlockARejection() throws Exception {
        Files.createDirectory(run.bundle.resolve("approval-2.json"));
        Cli verify = run.cli("verify", "--run", run.bundle.toString());
        assertThat(verify.exitCode).isEqualTo(4);
        assertThat(verify.all()).contains("approval-2.json/ is a folder a run never writes");
        Cli approve = run.cli("approve", "--run", run.bundle.toString(), "--by", "bob");
        assertThat(approve.exitCode).isEqualTo(4);
        assertThat(run.bundle.resolve("approval-2.json")).isEmptyDirectory();
    }

    static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void envelope(Path bundle, Consumer<ArrayNode> change) {
        try {
            Path f = bundle.resolve("attestation/gates.dsse.json");
            ObjectNode env = (ObjectNode) new ObjectMapper().readTree(f.toFile());
            change.accept((ArrayNode) env.path("signatures"));
            Files.writeString(f, new ObjectMapper().writeValueAsString(env));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
