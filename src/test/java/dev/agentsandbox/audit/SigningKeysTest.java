package dev.agentsandbox.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.Signature;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SigningKeysTest {
    @Test
    void aOneTimeKeyMadeAheadIsHandedOutOnceAndEveryOtherCallGetsAFreshOne() throws Exception {
        SigningKeys.prepareOneTime();
        SigningKeys.prepareOneTime(); // a second request while one is ready makes no second key to share
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            KeyPair k = SigningKeys.oneTime();
            assertThat(ids.add(SigningKeys.keyId(k.getPublic()))).as("key %d is new", i).isTrue();
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(k.getPrivate());
            s.update(new byte[] {1, 2, 3});
            byte[] sig = s.sign();
            s.initVerify(k.getPublic());
            s.update(new byte[] {1, 2, 3});
            assertThat(s.verify(sig)).isTrue();
        }
    }

    /** RFC 8032, 7.1, TEST 1: the public key is derived from the seed alone, independently of how the pair was made. */
    @Test
    void thePublicKeyIsDerivedFromThePrivateKeyAsRfc8032Says() throws Exception {
        byte[] seed = java.util.HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] pkcs8 = java.util.HexFormat.of().parseHex("302e020100300506032b657004220420");
        byte[] der = new byte[pkcs8.length + 32];
        System.arraycopy(pkcs8, 0, der, 0, pkcs8.length);
        System.arraycopy(seed, 0, der, pkcs8.length, 32);
        var priv = java.security.KeyFactory.getInstance("Ed25519").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        byte[] spki = SigningKeys.publicOf(priv).getEncoded();
        assertThat(java.util.HexFormat.of().formatHex(spki, spki.length - 32, spki.length))
                .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    }

    @Test
    void aKeyAloneLoadsAndAPublicKeyBesideItMustBeItsOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        KeyPair made = SigningKeys.generate();
        SigningKeys.write(made, tmp.resolve("ci"));
        java.nio.file.Files.delete(tmp.resolve("ci.pub")); // a CI secret: one file, the private key
        KeyPair loaded = SigningKeys.load(tmp.resolve("ci.key"));
        assertThat(loaded.getPublic().getEncoded()).isEqualTo(made.getPublic().getEncoded());

        java.nio.file.Files.writeString(tmp.resolve("ci.pub"), SigningKeys.publicPem(made.getPublic()));
        assertThat(SigningKeys.load(tmp.resolve("ci.key")).getPublic().getEncoded()).isEqualTo(made.getPublic().getEncoded());

        java.nio.file.Files.writeString(tmp.resolve("ci.pub"), SigningKeys.publicPem(SigningKeys.generate().getPublic()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningKeys.load(tmp.resolve("ci.key")))
                .isInstanceOf(dev.agentsandbox.error.UsageException.class).hasMessageContaining("is not this private key's");
    }
}
