package io.jenkins.plugins.agentsandbox;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** A PEM key stored as secret text is masked in the log, line by line as the log is written. */
public class SecretsMaskingTest {
    private static final String PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
            + "QyNTUxOQAAACDvJ1QzZb1sKq0qS3b8w3m6j0Vt0n3v0e8n1m2c3v4b5wAAAJgAAAAAAAAAAA\n"
            + "-----END OPENSSH PRIVATE KEY-----\n";

    @Test
    public void aMultiLineSecretIsMaskedOnEveryLineItSpans() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = new Secrets.Masking(sink, Secrets.lines(PEM))) {
            out.write(("the key was:\n" + PEM + "done\n").getBytes(StandardCharsets.UTF_8));
        }
        String log = sink.toString(StandardCharsets.UTF_8);
        assertFalse(log, log.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"));
        assertFalse(log, log.contains("QyNTUxOQAAACDvJ1Qz"));
        assertEquals(2, log.split("\\*\\*\\*\\*", -1).length - 1);
    }
}
