package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import java.util.Locale;
import java.util.function.BiPredicate;
import org.junit.Test;

/**
 * Who may decide on the build's page: only {@code submitter}, by user id or group, with the realm's
 * comparison rules; no administrator bypass. Needs no Jenkins: check/unit.sh runs it in every CI run.
 */
public class ApprovalRefusalTest {
    private static final BiPredicate<String, String> CASE_INSENSITIVE = (a, b) -> a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    private static final Ballot.Question Q = new Ballot.Question("q", " alice , release-managers ", 2, "c0ffee", "carol", List.of());

    private static Approval.Who who(String id, String... groups) {
        return new Approval.Who(true, false, id, id, List.of(groups), CASE_INSENSITIVE, String::equals);
    }

    @Test
    public void aSubmitterByIdOrGroupMayDecide() {
        assertThat(Approval.refusal(who("alice"), Q, Ballot.APPROVE), nullValue());
        assertThat(Approval.refusal(who("ALICE"), Q, Ballot.APPROVE), nullValue()); // the realm's user rule: case-insensitive
        assertThat(Approval.refusal(who("dave", "authenticated", "release-managers"), Q, Ballot.APPROVE), nullValue());
    }

    @Test
    public void anAdministratorOutsideSubmitterMayNot() {
        // an administrator's authorities name no group of the question: ADMINISTER is not a way in
        assertThat(Approval.refusal(who("admin", "authenticated", "admins"), Q, Ballot.APPROVE), containsString("not among the submitters"));
        // group names compare exactly when the realm says so
        assertThat(Approval.refusal(who("dave", "Release-Managers"), Q, Ballot.REJECT), containsString("not among the submitters"));
    }

    @Test
    public void theRequesterMayRejectButNotApproveTheirOwnRun() {
        Ballot.Question own = new Ballot.Question("q", "carol", 1, "c0ffee", "carol", List.of());
        assertThat(Approval.refusal(who("Carol"), own, Ballot.APPROVE), containsString("may not approve it"));
        assertThat(Approval.refusal(who("carol"), own, Ballot.REJECT), nullValue());
    }

    @Test
    public void noIdentityNoDecision() {
        assertThat(Approval.refusal(new Approval.Who(false, false, "alice", "alice", List.of(), CASE_INSENSITIVE, String::equals), Q,
                Ballot.APPROVE), containsString("security is off"));
        assertThat(Approval.refusal(new Approval.Who(true, true, "anonymous", null, List.of("anonymous"), CASE_INSENSITIVE, String::equals),
                new Ballot.Question("q", "anonymous", 1, "c0ffee", null, List.of()), Ballot.APPROVE), containsString("sign in first"));
    }

    @Test
    public void anEmptyOrBlankSubmitterEntryMatchesNobody() {
        Ballot.Question blank = new Ballot.Question("q", " , ,", 1, "c0ffee", null, List.of());
        assertThat(Approval.refusal(who("dave"), blank, Ballot.APPROVE), containsString("not among the submitters"));
        assertThat(Approval.refusal(who(""), blank, Ballot.APPROVE), containsString("refuses in a name"));
    }

    @Test
    public void theRunsOwnAllowedListAndItsIdentityRulesHold() {
        Ballot.Question q = new Ballot.Question("q", "alice,bob,release-managers", 1, "c0ffee", null, List.of("Alice"));
        assertThat(Approval.refusal(who("alice"), q, Ballot.APPROVE), nullValue());
        assertThat(Approval.refusal(who("bob"), q, Ballot.APPROVE), containsString("approval rules allow"));
        assertThat(Approval.refusal(who("bob"), q, Ballot.REJECT), nullValue());
        // an id with an invisible character would be a second person to the page and a refusal to the record
        assertThat(Approval.refusal(who("ali\u200bce", "release-managers"), q, Ballot.REJECT), containsString("characters the run's record refuses"));
    }
}
