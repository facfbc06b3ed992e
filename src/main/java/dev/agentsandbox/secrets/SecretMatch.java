package dev.agentsandbox.secrets;

/**
 * A secret found in a line. The value itself stays in memory only: {@link #toString()} and
 * every report show the redacted line and the fingerprint.
 *
 * @param rule the rule that matched
 * @param start start of the value in the line
 * @param end end of the value in the line
 * @param fingerprint SHA-256 (hex) of the value, for allow-lists
 * @param redactedLine the line with the value replaced
 */
public record SecretMatch(SecretRule rule, int start, int end, String fingerprint, String redactedLine) {
    @Override
    public String toString() {
        return "SecretMatch[" + rule.id() + " " + fingerprint + "]";
    }
}
