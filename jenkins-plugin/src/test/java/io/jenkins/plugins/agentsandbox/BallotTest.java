package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import org.junit.Test;

/**
 * The decisions taken on a build's page and what they add up to. Needs no Jenkins: check/unit.sh
 * runs it in every CI run, where the JenkinsRule tests cannot run.
 */
public class BallotTest {
    private static final String HEAD = "0123456789abcdef0123456789abcdef01234567";

    private static Ballot.Decision d(String q, String by, String what, String commit) {
        return new Ballot.Decision(q, by, what, commit, 1L, null);
    }

    @Test
    public void theQuestionEndsWhenEnoughDifferentPeopleApproved() {
        Ballot b = new Ballot();
        assertThat(b.ask(new Ballot.Question("q1", "alice,bob", 2, HEAD, null, List.of())), nullValue());
        assertThat(b.add(d("q1", "alice", Ballot.APPROVE, HEAD)), nullValue());
        assertThat(b.outcomeOf("q1"), nullValue());
        assertThat(b.progress(), equalTo("1 of 2"));
        assertThat(b.add(d("q1", "alice", Ballot.APPROVE, HEAD)), containsString("alice already decided"));
        assertThat(b.add(d("q1", "bob", Ballot.APPROVE, HEAD)), nullValue());
        Ballot.Outcome o = b.outcomeOf("q1");
        assertThat(o.decision(), equalTo("approved"));
        assertThat(o.approvers(), equalTo(List.of("alice", "bob")));
        assertThat(b.open(), nullValue());
        assertThat(b.lastOutcome(HEAD).approvers(), equalTo(List.of("alice", "bob")));
        // a settled question takes no more decisions
        assertThat(b.add(d("q1", "carol", Ballot.REJECT, HEAD)), containsString("nobody is asking"));
    }

    @Test
    public void oneRejectionEndsTheQuestion() {
        Ballot b = new Ballot();
        b.ask(new Ballot.Question("q1", "alice,bob", 2, HEAD, null, List.of()));
        b.add(d("q1", "alice", Ballot.APPROVE, HEAD));
        assertThat(b.add(d("q1", "bob", Ballot.REJECT, HEAD)), nullValue());
        Ballot.Outcome o = b.lastOutcome(HEAD);
        assertThat(o.decision(), equalTo("rejected"));
        assertThat(o.rejectedBy(), equalTo("bob"));
    }

    @Test
    public void aDecisionAboutAnotherCommitThanTheOneAskedAboutIsRefused() {
        Ballot b = new Ballot();
        b.ask(new Ballot.Question("q1", "alice", 1, HEAD, null, List.of()));
        assertThat(b.add(d("q1", "alice", Ballot.APPROVE, "ffffffffffffffffffffffffffffffffffffffff")), containsString("reload the page"));
        assertThat(b.lastOutcome(HEAD), nullValue());
    }

    @Test
    public void decisionsCountOnlyForTheQuestionTheyAnswered() {
        Ballot b = new Ballot();
        b.ask(new Ballot.Question("q1", "alice,bob", 2, HEAD, null, List.of()));
        b.add(d("q1", "alice", Ballot.APPROVE, HEAD));
        b.withdraw("q1"); // the step timed out
        assertThat(b.lastOutcome(HEAD), nullValue());
        b.ask(new Ballot.Question("q2", "alice,bob", 2, HEAD, null, List.of()));
        assertThat(b.add(d("q1", "bob", Ballot.APPROVE, HEAD)), containsString("nobody is asking"));
        assertThat(b.add(d("q2", "bob", Ballot.APPROVE, HEAD)), nullValue());
        assertThat(b.outcomeOf("q2"), nullValue()); // alice's approval of the withdrawn question does not count
        b.add(d("q2", "alice", Ballot.APPROVE, HEAD));
        assertThat(b.outcomeOf("q2").approvers(), equalTo(List.of("bob", "alice")));
    }

    @Test
    public void onlyOneStepWaitsOnARunAtATime() {
        Ballot b = new Ballot();
        b.ask(new Ballot.Question("q1", "alice", 1, HEAD, null, List.of()));
        assertThat(b.ask(new Ballot.Question("q2", "alice", 1, HEAD, null, List.of())), containsString("already waiting"));
    }

    @Test
    public void aDecisionWordIsApproveOrRejectAndNothingElse() {
        assertThat(Ballot.decisionWord(" Approve "), equalTo("approve"));
        assertThat(Ballot.decisionWord("REJECT"), equalTo("reject"));
        assertThat(Ballot.decisionWord("approved"), nullValue());
        assertThat(Ballot.decisionWord("approve\u200b"), nullValue());
        assertThat(Ballot.decisionWord(null), nullValue());
    }

    @Test
    public void aRejectionIsFinalAcrossQuestionsAboutTheCommit() {
        Ballot b = new Ballot();
        b.ask(new Ballot.Question("q1", "alice,bob", 1, HEAD, null, List.of()));
        b.add(d("q1", "bob", Ballot.REJECT, HEAD));
        // asking again on the same commit is refused, and nothing later can turn it into an approval
        assertThat(b.ask(new Ballot.Question("q2", "alice", 1, HEAD, null, List.of())), containsString("a rejection is final"));
        assertThat(b.lastOutcome(HEAD).rejectedBy(), equalTo("bob"));
    }

    @Test
    public void onePersonInTwoSpellingsCountsOnce() {
        Ballot b = new Ballot();
        b.ask(new Ballot.Question("q1", "alice,Alice", 2, HEAD, null, List.of()));
        assertThat(b.add(d("q1", "alice", Ballot.APPROVE, HEAD)), nullValue());
        assertThat(b.add(d("q1", "ALICE", Ballot.APPROVE, HEAD)), containsString("already decided"));
        assertThat(b.add(d("q1", "\uff41\uff4c\uff49\uff43\uff45", Ballot.APPROVE, HEAD)), containsString("already decided")); // fullwidth
        assertThat(b.outcomeOf("q1"), nullValue());
    }

    /**
     * What the build's page keeps is written into build.xml by XStream, whose class filter in Jenkins
     * 2.479.3 refuses the JDK's immutable lists (ImmutableCollections$ListN, added to it only in 2.492):
     * every field of a kept ballot holds a type it writes, whatever list it was given.
     */
    @Test
    public void aKeptBallotHoldsNoImmutableCollectionsThatBuildXmlCannotTake() throws Exception {
        for (List<String> allowed : List.of(List.<String>of(), List.of("alice", "bob", "carol"), List.of("alice"))) {
            Ballot b = new Ballot();
            b.ask(new Ballot.Question("q1", "alice,bob", 1, HEAD, null, allowed));
            b.add(d("q1", "alice", Ballot.APPROVE, HEAD));
            assertNoImmutable(b, new java.util.IdentityHashMap<>());
        }
    }

    private static void assertNoImmutable(Object o, java.util.Map<Object, Boolean> seen) throws IllegalAccessException {
        if (o == null || seen.put(o, true) != null || o instanceof String || o instanceof Number || o instanceof Boolean) {
            return;
        }
        assertThat(o.getClass().getName(), o.getClass().getName().startsWith("java.util.ImmutableCollections"), equalTo(false));
        if (o instanceof Iterable<?> it) {
            for (Object x : it) {
                assertNoImmutable(x, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.jenkins.plugins.agentsandbox")) {
            return;
        }
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || java.lang.reflect.Modifier.isTransient(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                assertNoImmutable(f.get(o), seen);
            }
        }
    }
}
