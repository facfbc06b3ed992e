package dev.agentsandbox.git;

import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.lib.Signer;
import org.eclipse.jgit.lib.Signers;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * SSH signatures on the agent's commit (git's {@code gpg.format=ssh}), made and checked with
 * JGit's own signer and verifier: forges show the commit as verified when they know the key, and
 * {@code merge} refuses a commit whose signature does not verify with the key the run recorded.
 * The private key is the CI's (an OpenSSH key file without passphrase); it never enters a sandbox.
 *
 * @param keyFile the private key file
 * @param publicKey the public key, as an OpenSSH line ({@code ssh-ed25519 AAAA…})
 */
public record CommitSigning(Path keyFile, String publicKey) {
    /** The namespace and principal git and the allowed-signers file use for the tool's commits. */
    private static final String PRINCIPAL = "agent-sandbox@localhost";

    /** Loads the key now, so that a wrong file fails before the agent runs. */
    public static CommitSigning load(Path keyFile) throws UsageException {
        java.util.List<KeyPair> pairs = new java.util.ArrayList<>();
        try (var in = Files.newInputStream(keyFile)) {
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(null, null, in, null);
            if (loaded != null) {
                loaded.forEach(pairs::add);
            }
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            throw new UsageException("--commit-key " + keyFile + " is not an OpenSSH private key without passphrase (" + e.getMessage()
                    + "): make one with ssh-keygen -t ed25519 -N '' -f FILE", e);
        }
        if (pairs.size() != 1) {
            throw new UsageException("--commit-key " + keyFile + " holds " + pairs.size() + " keys: give an OpenSSH private key file with"
                    + " one (ssh-keygen -t ed25519 -N '' -f FILE)");
        }
        return new CommitSigning(keyFile.toAbsolutePath(), PublicKeyEntry.toString(pairs.iterator().next().getPublic()));
    }

    /** Signs a commit about to be inserted. */
    public void sign(Repository repo, CommitBuilder commit, PersonIdent committer) throws IOException {
        Signer signer = Signers.get(GpgConfig.GpgFormat.SSH);
        if (signer == null) {
            throw new IOException("no SSH signer is available (the jar lacks JGit's ssh.apache module)");
        }
        try {
            signer.signObject(repo, config(null), commit, committer, keyFile.toString(), null);
        } catch (org.eclipse.jgit.api.errors.CanceledException | org.eclipse.jgit.api.errors.UnsupportedSigningFormatException e) {
            throw new IOException("cannot sign the commit with " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a commit that carries no signature, or one that does not verify with this public key.
     *
     * @param publicKey the key the run recorded (attested with run.json)
     */
    public static void requireSigned(Repository repo, RevCommit commit, String publicKey, Path scratch) throws RefusedException, IOException {
        byte[] signature = commit.getRawGpgSignature();
        if (signature == null) {
            throw new RefusedException("commit " + commit.name() + " is not signed, but its run signed the agent's commit: it is not the"
                    + " commit the run made; nothing is merged");
        }
        Path allowed = Files.createTempFile(scratch, "allowed-signers", "", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(allowed, PRINCIPAL + " namespaces=\"git\" " + publicKey.strip() + "\n", StandardCharsets.UTF_8);
            SignatureVerifier.SignatureVerification v = SignatureVerifiers.verify(repo, config(allowed), commit);
            if (v == null || !v.verified()) {
                throw new RefusedException("the signature of commit " + commit.name() + " does not verify with the key its run recorded ("
                        + (v == null ? "no verifier" : v.message()) + "); nothing is merged");
            }
        } finally {
            Files.deleteIfExists(allowed);
        }
    }

    private static GpgConfig config(Path allowedSigners) {
        Config c = new Config();
        c.setString("gpg", null, "format", "ssh");
        if (allowedSigners != null) {
            c.setString("gpg", "ssh", "allowedSignersFile", allowedSigners.toString());
        }
        return new GpgConfig(c);
    }

    @Override
    public String toString() {
        return "CommitSigning[" + publicKey + "]"; // never the private key's content
    }
}
