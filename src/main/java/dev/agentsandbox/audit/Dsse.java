package dev.agentsandbox.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** DSSE (the in-toto signing wrapper): its payload type and the pre-authentication encoding that signatures cover; see {@link Envelope}. */
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
}
