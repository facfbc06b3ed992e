package io.jenkins.plugins.agentsandbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The decisions people took on one agent-sandbox run from the build's page, kept in build.xml with
 * its action (never in step arguments, which Jenkins may drop, cut or rewrite), and the question an
 * {@code agentSandboxApproval} step is waiting on. Each decision names the authenticated user and
 * the commit that user was shown; only decisions about the run's head commit count.
 */
final class Ballot {
    static final String APPROVE = "approve";
    static final String REJECT = "reject";
    /** A comment is shown on the build's page; longer ones are refused, not cut. */
    static final int MAX_COMMENT = 2000;

    /** One person's decision; {@code recorded} once the CLI has written it into the bundle. */
    static final class Decision {
        private final String question;
        private final String by;
        private final String decision;
        private final String commit;
        private final long time;
        private final String comment;
        private boolean recorded;

        Decision(String question, String by, String decision, String commit, long time, String comment) {
            this.question = question;
            this.by = by;
            this.decision = decision;
            this.commit = commit;
            this.time = time;
            this.comment = comment;
        }

        public String getBy() {
            return by;
        }

        public String getDecision() {
            return decision;
        }

        public String getCommit() {
            return commit;
        }

        public long getTime() {
            return time;
        }

        public java.util.Date getTimeAsDate() {
            return new java.util.Date(time);
        }

        public String getComment() {
            return comment;
        }

        /** The question this decision answered (the page shows which). */
        public String getQuestion() {
            return question;
        }

        public boolean isRecorded() {
            return recorded;
        }

        void recorded() {
            this.recorded = true;
        }
    }

    /** What a waiting step asked: who may answer, how many approvals end it, about which commit. */
    static final class Question {
        private final String id;
        private final String submitter;
        private final int needed;
        private final String commit;
        private final String requester;
        private final List<String> allowed;
        private boolean settled;

        /**
         * {@code requester}: who asked for the run when they may not approve it themselves, else null;
         * {@code allowed}: the run's own list of who may approve (empty: anyone the submitter names).
         */
        Question(String id, String submitter, int needed, String commit, String requester, List<String> allowed) {
            this.id = id;
            this.submitter = submitter;
            this.needed = needed;
            this.commit = commit;
            this.requester = requester;
            // an ArrayList: build.xml is written by XStream, and Jenkins 2.479.3 refuses to write List.of()'s and List.copyOf()'s
            // classes (ImmutableCollections$ListN), which would fail every later save of the build
            this.allowed = allowed == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(allowed);
        }

        List<String> allowed() {
            return allowed == null ? List.of() : java.util.Collections.unmodifiableList(allowed);
        }

        public String getId() {
            return id;
        }

        String requester() {
            return requester;
        }

        String id() {
            return id;
        }

        int needed() {
            return needed;
        }

        String commit() {
            return commit;
        }

        boolean settled() {
            return settled;
        }

        /** The submitter entries, trimmed, without empty ones. */
        List<String> submitters() {
            List<String> out = new ArrayList<>();
            for (String s : submitter.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
            return out;
        }

        public String getSubmitter() {
            return submitter;
        }

        public int getNeeded() {
            return needed;
        }

        public String getCommit() {
            return commit;
        }
    }

    /** How a question ended: approved by enough people, or rejected by one. */
    record Outcome(String decision, List<String> approvers, String rejectedBy, String commit) {
    }

    // Copy-on-write: build.xml is written under the run's lock, not this one.
    private final List<Decision> decisions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Question> questions = new java.util.concurrent.CopyOnWriteArrayList<>();

    synchronized List<Decision> decisions() {
        return Collections.unmodifiableList(new ArrayList<>(decisions));
    }

    /** The question a step is waiting on, or null. */
    synchronized Question open() {
        Question q = last();
        return q == null || q.settled ? null : q;
    }

    private Question last() {
        return questions.isEmpty() ? null : questions.get(questions.size() - 1);
    }

    /** Opens the question a step waits on; refused while another step waits on this run. */
    synchronized String ask(Question q) {
        if (open() != null) {
            return "another agentSandboxApproval step is already waiting for decisions on this run";
        }
        String rejected = rejectionOf(q.commit);
        if (rejected != null) {
            return rejected + " rejected commit " + q.commit + "; a rejection is final (record it with agentSandbox action: 'reject')";
        }
        questions.add(q);
        return null;
    }

    /** Closes the question without an outcome (the step was stopped). */
    synchronized void withdraw(String id) {
        Question q = open();
        if (q != null && q.id.equals(id)) {
            q.settled = true;
        }
    }

    /**
     * Adds a decision when it is valid, and returns why not otherwise. {@code by} is already known
     * to be an authenticated submitter.
     */
    synchronized String add(Decision d) {
        Question q = open();
        if (q == null || !q.id.equals(d.question)) {
            return "nobody is asking for a decision on this run now (an agentSandboxApproval step must be waiting)";
        }
        if (!q.commit.equals(d.commit)) {
            return "the page showed commit " + d.commit + ", but the question is about " + q.commit + "; reload the page and review again";
        }
        for (Decision e : decisions) {
            if (e.question.equals(q.id) && Person.same(e.by, d.by)) {
                return d.by + " already decided (" + e.decision + (e.by.equals(d.by) ? "" : ", as " + e.by) + ") on commit " + d.commit;
            }
        }
        decisions.add(d);
        if (outcome(q) != null) {
            q.settled = true;
        }
        return null;
    }

    /** The outcome of the question with this id, once it has one. */
    synchronized Outcome outcomeOf(String id) {
        for (Question q : questions) {
            if (q.id.equals(id)) {
                return outcome(q);
            }
        }
        return null;
    }

    /**
     * How the latest question about this commit ended, or null when none did (none was asked, the
     * step was stopped, or it still waits). Approve and reject act on this and nothing else.
     */
    synchronized Outcome lastOutcome(String commit) {
        String rejected = rejectionOf(commit);
        if (rejected != null) {
            return new Outcome("rejected", List.of(), rejected, commit);
        }
        for (int i = questions.size() - 1; i >= 0; i--) {
            Question q = questions.get(i);
            if (q.commit.equals(commit)) {
                return q.settled ? outcome(q) : null;
            }
        }
        return null;
    }

    /** The approvals counted so far for the open question, as "1 of 2". */
    synchronized String progress() {
        Question q = open();
        return q == null ? "" : approvers(q.id).size() + " of " + q.needed;
    }

    private Outcome outcome(Question q) {
        String rejectedBy = rejectedBy(q.id);
        if (rejectedBy != null) {
            return new Outcome("rejected", approvers(q.id), rejectedBy, q.commit);
        }
        List<String> approvers = approvers(q.id);
        return approvers.size() >= q.needed ? new Outcome("approved", approvers, null, q.commit) : null;
    }

    /** The first person who rejected this commit in answer to any question, or null: a rejection is final. */
    private String rejectionOf(String commit) {
        for (Decision d : decisions) {
            if (d.commit.equals(commit) && d.decision.equals(REJECT)) {
                return d.by;
            }
        }
        return null;
    }

    /** Who approved in answer to this question, in order, each once. */
    private List<String> approvers(String question) {
        Set<String> people = new LinkedHashSet<>();
        List<String> who = new ArrayList<>();
        for (Decision d : decisions) {
            if (d.question.equals(question) && d.decision.equals(APPROVE) && people.add(Person.key(d.by))) {
                who.add(d.by);
            }
        }
        return who;
    }

    /** The first person who rejected in answer to this question, or null. */
    private String rejectedBy(String question) {
        for (Decision d : decisions) {
            if (d.question.equals(question) && d.decision.equals(REJECT)) {
                return d.by;
            }
        }
        return null;
    }

    /** A person's decision in answer to the latest question about this commit, or null. */
    synchronized Decision answer(String commit, String by) {
        for (int i = questions.size() - 1; i >= 0; i--) {
            if (questions.get(i).commit.equals(commit)) {
                return of(questions.get(i).id, by);
            }
        }
        return null;
    }

    /** A person's decision in answer to a question, or null. */
    synchronized Decision of(String question, String by) {
        for (Decision d : decisions) {
            if (d.question.equals(question) && d.by.equals(by)) {
                return d;
            }
        }
        return null;
    }

    static String decisionWord(String raw) {
        String d = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
        return d.equals(APPROVE) || d.equals(REJECT) ? d : null;
    }
}
