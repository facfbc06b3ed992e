package dev.agentsandbox.identity;

import java.util.List;

/**
 * Who may decide on a run, by the rules of its risk tier: never the person who asked for it unless
 * the tier allows self-approval, and only the allowed people when the tier names them. Names are
 * compared as identities. One rule for approvals, forge reviews and checkpoint answers.
 */
public final class Eligibility {
    private Eligibility() {
    }

    /**
     * Why {@code who} may not decide, or null when they may.
     *
     * @param requester who asked for the run, or null
     * @param allowed who may decide; empty: anyone
     * @param tier the tier whose rules these are, for the message
     */
    public static String refusal(String who, String requester, List<String> allowed, boolean allowSelf, String tier) {
        String id = Identity.idOrNull(who);
        if (id == null) {
            return "'" + dev.agentsandbox.console.SafeText.line(String.valueOf(who)) + "' is not a valid identity";
        }
        if (!allowSelf && requester != null && id.equals(Identity.idOrNull(requester))) {
            return id + " asked for this run and may not approve it (approval." + tier + ".allow-self is false): another person must";
        }
        if (!allowed.isEmpty() && allowed.stream().noneMatch(x -> id.equals(Identity.idOrNull(x)))) {
            return id + " is not among those allowed to approve a " + tier + " change (approval." + tier + ".allowed: " + allowed + ")";
        }
        return null;
    }
}
