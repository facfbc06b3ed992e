package dev.agentsandbox.bundle;

import java.util.Objects;

/**
 * A reviewer's decision, bound to the exact change reviewed: the head commit and the digest of
 * the gate results. An approval of one change can therefore never be replayed onto another.
 *
 * @param decision approve or reject
 * @param by who decided (the CI system's authenticated user)
 * @param time when (ISO-8601)
 * @param comment the reviewer's words (a rejection's comment feeds the next run)
 * @param runId the run decided on
 * @param headCommit the commit reviewed
 * @param gatesDigest SHA-256 of gates.json as reviewed
 * @param override whether the reviewer approved despite failed gates (only where the policy allows)
 */
public record Approval(Decision decision, String by, String time, String comment, String runId, String headCommit,
                       String gatesDigest, boolean override) {
    public enum Decision { APPROVE, REJECT }

    public Approval {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(headCommit, "headCommit");
        Objects.requireNonNull(gatesDigest, "gatesDigest");
        if (by.isBlank()) {
            throw new IllegalArgumentException("an approval needs the reviewer's name (--by)");
        }
        comment = comment == null ? "" : comment;
    }
}
