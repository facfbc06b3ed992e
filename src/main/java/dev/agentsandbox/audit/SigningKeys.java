package dev.agentsandbox.audit;

import dev.agentsandbox.host.HostVariables;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 keys from the JDK, as PEM files: the private key PKCS#8 (mode 0600), the public key
 * SPKI. The private key is read where it is needed and never written into a bundle or a log.
 */
public final class SigningKeys {
    /** The environment variable that NAMES a private key file (it never holds the key itself). */
    public static final String ENV = HostVariables.SIGNING_KEY;

    private SigningKeys() {
    }

    /** A one-time key made ahead of its use (see {@link #prepareOneTime}); taken once, never handed out twice. */
    private static final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<KeyPair>> NEXT_ONE_TIME =
            new java.util.concurrent.atomic.AtomicReference<>();

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
        }
    }

    /**
     * Starts making the next one-time key on a thread of its own: the first Ed25519 key of a JVM
     * costs about 0.1 s (its classes and arithmetic run cold), which a run spends while its
     * sandbox runs instead of after it.
     */
    public static void prepareOneTime() {
        var next = new java.util.concurrent.CompletableFuture<KeyPair>();
        if (NEXT_ONE_TIME.compareAndSet(null, next)) {
            Thread t = new Thread(() -> {
                try {
                    next.complete(generate());
                } catch (RuntimeException | Error e) {
                    next.completeExceptionally(e);
                }
            }, "agent-sandbox-one-time-key");
            t.setDaemon(true);
            t.start();
        }
    }

    /** A fresh key pair for one signature, whose private half the caller drops: the one made ahead, else a new one. */
    public static KeyPair oneTime() {
        var next = NEXT_ONE_TIME.getAndSet(null);
        if (next != null) {
            try {
                return next.join();
            } catch (java.util.concurrent.CompletionException e) {
                // made ahead or not, the key is made here
            }
        }
        return generate();
    }

    /** Writes PREFIX.key (private, 0600) and PREFIX.pub; refuses to overwrite. */
    public static void write(KeyPair pair, Path prefix) throws UsageException {
        Path priv = Path.of(prefix + ".key");
        Path pub = Path.of(prefix + ".pub");
        if (Files.exists(priv) || Files.exists(pub)) {
            throw new UsageException(priv + " or " + pub + " exists already: choose another --out, or remove them");
        }
        try {
            Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(pub, publicPem(pair.getPublic()));
        } catch (IOException e) {
            throw new UsageException("cannot write the key files at " + prefix + ": " + e.getMessage(), e);
        }
    }

    public static String publicPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    /**
     * The private key from a file, with its public half derived from it; null when no file is given.
     * CI secrets arrive one file per secret, so a {@code .pub} beside the key is optional; when it is
     * there it must be the same pair, or a mix-up of keys would sign what the pinned key never verifies.
     */
    public static KeyPair load(Path file) throws UsageException {
        Path p = file;
        if (p == null) {
            return null;
        }
        PrivateKey priv;
        try {
            byte[] der = der(Files.readString(p, StandardCharsets.US_ASCII), "PRIVATE KEY", p);
            priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IOException e) {
            throw new UsageException("cannot read the signing key " + p + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new UsageException(p + " is not an Ed25519 private key in PKCS#8 PEM (make one with `agent-sandbox keygen`)", e);
        }
        PublicKey pub = publicOf(priv);
        Path pubFile = Path.of(p.toString().replaceAll("\\.key$", "") + ".pub");
        if (!pubFile.equals(p) && Files.isRegularFile(pubFile)) {
            PublicKey beside = readPublic(pubFile);
            if (!java.util.Arrays.equals(beside.getEncoded(), pub.getEncoded())) {
                throw new UsageException("the public key " + pubFile + " next to " + p + " is not this private key's (key id "
                        + keyId(beside).substring(0, 16) + " against " + keyId(pub).substring(0, 16) + "): remove it, or put the"
                        + " matching pair together (the public key can always be printed with `agent-sandbox keygen --public-of " + p + "`)");
            }
        }
        return new KeyPair(pub, priv);
    }

    /**
     * The public half of an Ed25519 private key. The JDK derives it only while generating a pair,
     * from 32 bytes its random source gives: a source that gives exactly the key's seed makes the
     * same pair (RFC 8032, 5.1.5). The result is checked by a signature, so a provider that drew its
     * bytes differently fails loudly instead of yielding a wrong key.
     */
    public static PublicKey publicOf(PrivateKey priv) throws UsageException {
        if (!(priv instanceof java.security.interfaces.EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new UsageException("not an Ed25519 private key with its seed");
        }
        byte[] seed = ed.getBytes().get();
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(java.security.spec.NamedParameterSpec.ED25519, new java.security.SecureRandom() {
                @Override
                public void nextBytes(byte[] bytes) {
                    if (bytes.length != seed.length) {
                        throw new IllegalStateException("the Ed25519 generator asked for " + bytes.length + " bytes, not a seed");
                    }
                    System.arraycopy(seed, 0, bytes, 0, seed.length);
                }
            });
            PublicKey pub = g.generateKeyPair().getPublic();
            byte[] probe = "agent-sandbox key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature s = java.security.Signature.getInstance("Ed25519");
            s.initSign(priv);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(probe);
            if (!s.verify(sig)) {
                throw new UsageException("cannot derive the public key of this Ed25519 key on this JDK: keep its .pub beside it");
            }
            return pub;
        } catch (GeneralSecurityException | IllegalStateException e) {
            throw new UsageException("cannot derive the public key of this Ed25519 key on this JDK (" + e.getMessage() + ")", e);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    public static PublicKey readPublic(Path file) throws UsageException {
        try {
            byte[] der = der(Files.readString(file, StandardCharsets.US_ASCII), "PUBLIC KEY", file);
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (IOException e) {
            throw new UsageException("cannot read the public key " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new UsageException(file + " is not an Ed25519 public key in PEM", e);
        }
    }

    /** A public key from PEM bytes already read (a bundle's snapshot). */
    public static PublicKey readPublic(byte[] pem) throws UsageException {
        try {
            byte[] der = der(new String(pem, StandardCharsets.US_ASCII), "PUBLIC KEY", Path.of("(bundle)"));
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new UsageException("not an Ed25519 public key in PEM", e);
        }
    }

    /** A stable id of a public key: the SHA-256 of its SPKI encoding. */
    public static String keyId(PublicKey key) {
        return Digests.sha256(key.getEncoded());
    }

    private static byte[] der(String pem, String type, Path file) throws UsageException {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            throw new UsageException(file + " is not a PEM " + type.toLowerCase(java.util.Locale.ROOT) + " file");
        }
        return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
