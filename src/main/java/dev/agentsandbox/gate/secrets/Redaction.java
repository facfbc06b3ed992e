package dev.agentsandbox.gate.secrets;

import dev.agentsandbox.gate.secrets.SecretScanner;

/** Redaction of credentials from everything a run writes: logs, reports, the audit log, run.json. */
public final class Redaction {
    private static final SecretScanner SCANNER = SecretScanner.defaults();

    private Redaction() {
    }

    /** Redacts every credential the scanner knows, line by line. */
    public static String redact(String text) {
        if (text.indexOf('\n') < 0) {
            return SCANNER.redact(text);
        }
        StringBuilder sb = new StringBuilder(text.length());
        text.lines().forEach(l -> sb.append(SCANNER.redact(l)).append('\n'));
        return sb.toString();
    }
}
