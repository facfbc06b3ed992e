package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.security.ACL;
import hudson.security.SecurityRealm;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import jenkins.model.Jenkins;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * Who may decide, and who did: decisions come from the build's page ({@link Ballot}), from the
 * authenticated user Jenkins reports, matched against {@code submitter} with the security realm's
 * own id rules. Administrators are held to {@code submitter} like everyone else. Never a name the
 * Jenkinsfile passes in.
 */
final class Approval {
    private Approval() {
    }

    /**
     * Who is deciding, as Jenkins reports it: whether security is on, whether the user is anonymous,
     * the authentication's name, the user's id, its authorities (groups), and the security realm's
     * rules for comparing user ids and group names (case-insensitive by default).
     */
    record Who(boolean securityOn, boolean anonymous, String name, String userId, List<String> groups, BiPredicate<String, String> sameUser,
            BiPredicate<String, String> sameGroup) {
        /** The signed-in user of this request. */
        static Who current(String userId) {
            Jenkins j = Jenkins.get();
            Authentication a = Jenkins.getAuthentication2();
            SecurityRealm realm = j.getSecurityRealm();
            List<String> groups = new ArrayList<>();
            for (GrantedAuthority ga : a.getAuthorities()) {
                if (ga.getAuthority() != null) {
                    groups.add(ga.getAuthority());
                }
            }
            return new Who(j.isUseSecurity(), ACL.isAnonymous2(a), a.getName(), userId, groups, realm.getUserIdStrategy()::equals,
                    realm.getGroupIdStrategy()::equals);
        }
    }

    /**
     * Why this user may not take this decision ({@link Ballot#APPROVE} or REJECT) on the question, or
     * null when they may. Only {@code submitter} counts: no permission, not even ADMINISTER, stands
     * in for it.
     */
    static String refusal(Who who, Ballot.Question q, String decision) {
        if (!who.securityOn()) {
            return "Jenkins security is off, so a decision would have no identity; turn it on (Manage Jenkins > Security)";
        }
        if (who.anonymous() || who.userId() == null) {
            return "sign in first: a decision is recorded with the authenticated user who took it";
        }
        if (Person.key(who.userId()) == null) {
            return "the user id '" + who.userId() + "' holds characters the run's record refuses in a name (invisible, control or unassigned);"
                    + " decide with an account whose id is plain text";
        }
        if (Ballot.APPROVE.equals(decision) && q.requester() != null
                && (who.sameUser().test(who.userId(), q.requester()) || Person.same(who.userId(), q.requester()))) {
            return who.userId() + " asked for this run and may not approve it (the run's approval rules do not allow self-approval); they may reject it";
        }
        if (Ballot.APPROVE.equals(decision) && !q.allowed().isEmpty() && q.allowed().stream().noneMatch(a -> Person.same(a, who.userId()))) {
            return who.userId() + " is not among those the run's approval rules allow to approve (" + String.join(", ", q.allowed()) + ")";
        }
        List<String> submitters = q.submitters();
        for (String s : submitters) {
            if (who.sameUser().test(who.name(), s) || who.sameUser().test(who.userId(), s)) {
                return null;
            }
            for (String group : who.groups()) {
                if (who.sameGroup().test(group, s)) {
                    return null;
                }
            }
        }
        return who.userId() + " is not among the submitters of this question (" + String.join(", ", submitters) + ")";
    }

    /**
     * approve: the people who approved the head commit in answer to its latest question, which must
     * have ended approved. {@code claimed}, when given, must be one of them.
     */
    static List<String> approvers(Ballot ballot, String head, String claimed) throws AbortException {
        Ballot.Outcome o = ballot.lastOutcome(head);
        if (o == null) {
            throw new AbortException("agentSandbox(action: 'approve'): nobody approved commit " + head + " on the build's page. Ask first:"
                    + " agentSandboxApproval submitter: '…' waits for the decisions (without an executor) and ends when enough people approved");
        }
        if (o.rejectedBy() != null) {
            throw new AbortException("agentSandbox(action: 'approve'): " + o.rejectedBy() + " rejected commit " + head
                    + "; record it with agentSandbox action: 'reject'");
        }
        if (claimed != null && !o.approvers().contains(claimed)) {
            throw new AbortException("agentSandbox(action: 'approve'): by: '" + claimed + "' did not approve commit " + head + " (approved by "
                    + String.join(", ", o.approvers()) + "); leave by: out, the step records the authenticated users");
        }
        return claimed != null ? List.of(claimed) : o.approvers();
    }

    /**
     * reject: who rejected the head commit on the page; without a rejection there, {@code by} as
     * given (a rejection lands nothing, so it needs no proof).
     */
    static String rejecter(Ballot ballot, String head, String by) throws AbortException {
        Ballot.Outcome o = ballot.lastOutcome(head);
        String onPage = o == null ? null : o.rejectedBy();
        if (onPage != null) {
            if (by != null && !by.equals(onPage)) {
                throw new AbortException("agentSandbox(action: 'reject'): by: '" + by + "' is not who rejected commit " + head + " ('" + onPage
                        + "'); leave by: out");
            }
            return onPage;
        }
        if (by == null) {
            throw new AbortException("agentSandbox(action: 'reject') needs by: who rejected, when nobody rejected on the build's page");
        }
        return by;
    }
}
