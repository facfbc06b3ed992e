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
}
