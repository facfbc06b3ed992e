package dev.agentsandbox.secrets;


/** Redaction of credentials from everything a run writes: logs, reports, the audit log, run.json. */
public final class Redaction {
    private static final SecretScanner SCANNER = SecretScanner.defaults();

    private Redaction() {
    }

    /** Redacts every credential the scanner knows, line by line. */
    public static String redact(String text) {
        if (text.indexOf('\n') < 0) {
            return line(text);
        }
        StringBuilder sb = new StringBuilder(text.length());
        text.lines().forEach(l -> sb.append(line(l)).append('\n'));
        return sb.toString();
    }

    /** A credential as itself, and in the other shapes the secrets gate finds (encoded, split, reversed, rot13). */
    private static String line(String l) {
        return SecretShapes.redact(SCANNER, SCANNER.redact(l));
    }
}
