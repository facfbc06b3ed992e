package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A DSSE envelope (the in-toto signing wrapper), Ed25519-signed. A value that checks itself: it
 * cannot be made without a payload type, a payload and a signature, and parsing refuses anything
 * else. The payload is trusted only through {@link #verifiedPayload}.
 */
public record Envelope(String payloadType, byte[] payload, List<Sig> signatures) {
    /** One signature: the signer's key id and the signature over PAE(type, payload). */
    public record Sig(String keyId, byte[] sig) {
        public Sig {
            Objects.requireNonNull(sig, "sig");
        }
    }

    public Envelope {
        if (payloadType == null || payloadType.isBlank()) {
            throw new IllegalArgumentException("the envelope has no payload type");
        }
        Objects.requireNonNull(payload, "payload");
        signatures = List.copyOf(signatures);
        if (signatures.isEmpty()) {
            throw new IllegalArgumentException("the envelope has no signature");
        }
    }

    public static Envelope sign(String payloadType, byte[] payload, KeyPair key) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.getPrivate());
            s.update(Dsse.pae(payloadType, payload));
            return new Envelope(payloadType, payload.clone(), List.of(new Sig(SigningKeys.keyId(key.getPublic()), s.sign())));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** @throws IllegalArgumentException saying what is wrong with it */
    public static Envelope parse(byte[] json) {
        JsonNode env;
        try {
            env = AuditLog.JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (env == null || !env.isObject() || !env.path("payload").isTextual() || !env.path("signatures").isArray()) {
            throw new IllegalArgumentException("not a DSSE envelope (payloadType, payload, signatures)");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        List<Sig> sigs = new ArrayList<>();
        for (JsonNode s : env.path("signatures")) {
            sigs.add(new Sig(s.path("keyid").asText(null), b64.decode(s.path("sig").asText())));
        }
        return new Envelope(env.path("payloadType").asText(null), b64.decode(env.path("payload").asText()), sigs);
    }

    /**
     * The payload when the envelope's one signature names this key and verifies with it; null
     * otherwise. An envelope carrying more than one signature, or one under another key id, is
     * refused whole: nothing in a bundle may ride beside what the key signed.
     */
    public byte[] verifiedPayload(PublicKey key) {
        if (signatures.size() != 1 || !SigningKeys.keyId(key).equals(signatures.get(0).keyId())) {
            return null;
        }
        byte[] pae = Dsse.pae(payloadType, payload);
        for (Sig sig : signatures) {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key);
                s.update(pae);
                if (s.verify(sig.sig())) {
                    return payload.clone();
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // a malformed signature verifies nothing
            }
        }
        return null;
    }

    public byte[] toJson() {
        ObjectNode env = AuditLog.JSON.createObjectNode();
        env.put("payloadType", payloadType);
        env.put("payload", Base64.getEncoder().encodeToString(payload));
        for (Sig s : signatures) {
            ObjectNode sig = env.withArray("signatures").addObject();
            sig.put("keyid", s.keyId());
            sig.put("sig", Base64.getEncoder().encodeToString(s.sig()));
        }
        try {
            return AuditLog.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(env);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
