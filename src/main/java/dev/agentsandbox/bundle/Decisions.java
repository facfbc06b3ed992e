package dev.agentsandbox.bundle;


import dev.agentsandbox.identity.Identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.RefusedException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The decisions of a verified bundle and what they add up to: the quorum its risk tier needs
 * (run.json, attested at the gates), counted once per person, without the person who asked for the
 * run unless allowed, only from the allowed people, and only while unexpired. A rejection by anyone
 * ends the run.
 *
 * @param decisions every decision, in order (each covered by its own attestation and the later ones)
 * @param tier the run's risk tier
 * @param required how many distinct people must approve
 * @param allowed who may approve; empty: anyone
 * @param allowSelf whether the requester may approve
 * @param expiry how long an approval counts; null: until the merge
 * @param requestedBy who asked for the run, or null
 */
public record Decisions(List<Approval> decisions, String tier, int required, List<String> allowed, boolean allowSelf, Duration expiry,
                 String requestedBy) {
    public static Decisions of(BundleSnapshot b, BundleVerifier.Verification v) throws AgentSandboxException {
        RunRecord run = b.run();
        List<Approval> list = new ArrayList<>();
        for (int k = 1; k <= Layout.MAX_DECISIONS; k++) {
            byte[] f = b.get(Layout.approvalFile(k));
            if (f == null) {
                break;
            }
            Approval a;
            try {
                a = BundleJson.MAPPER.readValue(f, Approval.class);
            } catch (IOException e) {
                throw new RefusedException(Layout.approvalFile(k) + " cannot be read: " + e.getMessage());
            }
            JsonNode facts = v.statements().get(Layout.approvalStage(k)) == null ? null
                    : v.statements().get(Layout.approvalStage(k)).path("predicate").path("facts");
            if (facts == null || !facts.path("by").asText().equals(a.by())
                    || !facts.path("decision").asText().equals(a.decision().name().toLowerCase(java.util.Locale.ROOT))) {
                throw new RefusedException(Layout.approvalFile(k) + " is not the decision its attestation signed");
            }
            list.add(a);
        }
        RunRecord.Quorum q = run.approval() != null ? run.approval() : new RunRecord.Quorum(1, List.of(), false, null);
        return new Decisions(list, run.risk() != null && run.risk().tier() != null ? run.risk().tier() : "medium", q.approvers(), q.allowed(),
                q.allowSelf(), q.expirySeconds() != null ? Duration.ofSeconds(q.expirySeconds()) : null, run.requestedBy());
    }

    /** The first rejection, or null. */
    public Approval rejection() {
        return decisions.stream().filter(a -> a.decision() == Approval.Decision.REJECT).findFirst().orElse(null);
    }

    /** Why {@code by} may not approve this run, or null when they may; names are compared as identities. */
    public String refusal(String by) {
        return dev.agentsandbox.identity.Eligibility.refusal(by, requestedBy, allowed, allowSelf, tier);
    }

    /** Whether a decision made at {@code time} (ISO-8601; null: unknown) no longer counts; an unknown time counts as expired when there is an expiry. */
    public boolean expired(String time, Clock clock) {
        if (expiry == null) {
            return false;
        }
        try {
            return time == null || Instant.parse(time).plus(expiry).isBefore(clock.instant());
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
    }

    /** The distinct people whose approvals count now. */
    public Set<String> counted(Clock clock) {
        Set<String> who = new LinkedHashSet<>();
        Instant now = clock.instant();
        for (Approval a : decisions) {
            if (a.decision() != Approval.Decision.APPROVE || refusal(a.by()) != null) {
                continue;
            }
            if (expiry != null && Instant.parse(a.time()).plus(expiry).isBefore(now)) {
                continue;
            }
            who.add(Identity.idOrNull(a.by())); // one person once, whatever form an older record wrote
        }
        return who;
    }

    /** "1 of 2 approvals for a high change (alice)". */
    public String progress(Clock clock) {
        Set<String> c = counted(clock);
        return c.size() + " of " + required + " approval(s) for a " + tier + " change" + (c.isEmpty() ? "" : " (" + String.join(", ", c) + ")");
    }
}
