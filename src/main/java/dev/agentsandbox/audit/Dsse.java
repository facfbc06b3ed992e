package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/** DSSE envelopes (the in-toto signing wrapper), signed with Ed25519. */
public final class Dsse {
    public static final String IN_TOTO = "application/vnd.in-toto+json";

    private Dsse() {
    }

    /** PAE("DSSEv1", type, body): lengths are BYTE lengths, not character counts. */
    public static byte[] pae(String payloadType, byte[] body) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + body.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    public static ObjectNode sign(String payloadType, byte[] payload, PrivateKey key, PublicKey pub) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(pae(payloadType, payload));
            ObjectNode env = AuditLog.JSON.createObjectNode();
            env.put("payloadType", payloadType);
            env.put("payload", Base64.getEncoder().encodeToString(payload));
            ObjectNode sig = env.putArray("signatures").addObject();
            sig.put("keyid", SigningKeys.keyId(pub));
            sig.put("sig", Base64.getEncoder().encodeToString(s.sign()));
            return env;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** The payload when some signature verifies with the key; null otherwise. */
    public static byte[] verify(JsonNode envelope, PublicKey key) {
        try {
            String type = envelope.path("payloadType").asText();
            byte[] payload = Base64.getDecoder().decode(envelope.path("payload").asText());
            for (JsonNode sig : envelope.path("signatures")) {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key);
                s.update(pae(type, payload));
                if (s.verify(Base64.getDecoder().decode(sig.path("sig").asText()))) {
                    return payload;
                }
            }
            return null;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
