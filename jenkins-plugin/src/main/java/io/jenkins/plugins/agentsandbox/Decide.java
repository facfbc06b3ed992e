package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.sf.json.JSONObject;

/**
 * approve, reject, merge, verify, pr-open and pr-merge: short CLI calls on the bundle kept with the build, put on the node in
 * the step's own folder and kept again afterwards. They run to their end in one go; a controller
 * restart meanwhile fails the step, which is safe to run again.
 */
final class Decide {
    private final AgentSandboxStep step;
    private final Run<?, ?> run;
    private final FilePath stepDir;
    private final FilePath workspace;
    private final Launcher launcher;
    private final TaskListener listener;

    Decide(AgentSandboxStep step, Run<?, ?> run, FilePath stepDir, FilePath workspace, Launcher launcher, TaskListener listener) {
        this.step = step;
        this.run = run;
        this.stepDir = stepDir;
        this.workspace = workspace;
        this.launcher = launcher;
        this.listener = listener;
    }

    /** approve: each person who approved on the build's page; reject: who rejected there (or by: as given). */
    Map<String, Object> decide(Cli cli, Secrets secrets, String signingKey) throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: '" + step.getAction() + "')");
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        JSONObject record = RunOutcome.readRecord(bundle);
        String head = record == null ? null : RunOutcome.text(record, "headCommit");
        if (head == null) {
            throw new AbortException("agentSandbox(action: '" + step.getAction() + "'): run " + target.getRunId() + " committed nothing; there is nothing to decide");
        }
        boolean approve = step.getAction().equals("approve");
        List<String> who = approve ? Approval.approvers(target.ballot(), head, step.getBy())
                : List.of(Approval.rejecter(target.ballot(), head, step.getBy()));
        List<String> recorded = new java.util.ArrayList<>();
        for (String by : who) {
            Ballot.Decision onPage = target.ballot().answer(head, by);
            if (onPage != null && onPage.isRecorded()) {
                recorded.add(by);
                continue; // an earlier approve step of this build wrote it into the bundle
            }
            List<String> args = Arguments.decide(step, step.getAction(), bundle.getRemote(), by, onPage == null ? null : onPage.getComment(), signingKey);
            int code = cli.run(args, secrets, launcher, workspace, listener);
            if (code != 0) {
                throw RunOutcome.failure(step.getAction(), code);
            }
            BundleArchive.save(bundle, run, target.getKey(), launcher, listener);
            if (onPage != null) {
                onPage.recorded();
            }
            recorded.add(onPage == null ? by + " (named by the Jenkinsfile)" : by);
            target.decided(approve ? "approved" : "rejected", String.join(", ", recorded));
            run.save();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("decision", approve ? "approved" : "rejected");
        result.put("by", String.join(", ", who));
        result.put("approvers", approve ? who : List.of());
        result.put("headCommit", head);
        return result;
    }

    /** The build's copy of the bundle checked whole against the pinned key (the CLI says what does not verify). */
    Map<String, Object> verify(Cli cli, Secrets secrets) throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: 'verify')");
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        int code = cli.run(Arguments.verify(step, bundle.getRemote(), workspace.getRemote()), secrets, launcher, workspace, listener);
        if (code != 0) {
            throw RunOutcome.failure("verify", code);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("verified", true);
        return result;
    }

    Map<String, Object> merge(Cli cli, Secrets secrets, String signingKey) throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: 'merge')");
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        int code = cli.run(Arguments.merge(step, bundle.getRemote(), workspace.getRemote(), signingKey), secrets, launcher, workspace, listener);
        if (code != 0) {
            throw RunOutcome.failure("merge", code);
        }
        BundleArchive.save(bundle, run, target.getKey(), launcher, listener);
        target.merged(target.getHeadCommit());
        run.save();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("merged", target.getHeadCommit());
        return result;
    }

    /** pr-open: the feature branch pushed and a request opened; its number is kept with the build for pr-merge. */
    Map<String, Object> prOpen(Cli cli, Secrets secrets) throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: 'pr-open')");
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        int code = cli.run(Arguments.prOpen(step, bundle.getRemote(), workspace.getRemote()), secrets, launcher, workspace, listener, said);
        if (code != 0) {
            throw RunOutcome.failure("pr-open", code);
        }
        String out = said.toString(java.nio.charset.StandardCharsets.UTF_8);
        String number = lastLine(out, "^number=([0-9]+)$", 1);
        if (number == null) {
            throw new AbortException("agentSandbox(action: 'pr-open'): the CLI opened no request it named (no number= line)");
        }
        target.opened(number, lastLine(out, "^opened [a-z ]+ [0-9]+: (https?://\\S+)$", 1));
        run.save();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("number", target.getRequest());
        result.put("url", target.getRequestUrl());
        return result;
    }

    /** pr-merge: the request (number:, else the one pr-open opened in this build) merged when its head is the approved commit. */
    Map<String, Object> prMerge(Cli cli, Secrets secrets, String signingKey) throws IOException, InterruptedException {
        AgentSandboxAction target = AgentSandboxAction.of(run, step.getBundle(), "agentSandbox(action: 'pr-merge')");
        String number = step.getNumber() != null ? step.getNumber() : target.getRequest();
        if (number == null) {
            throw new AbortException("agentSandbox(action: 'pr-merge') needs number: the request's number, or an earlier"
                    + " agentSandbox(action: 'pr-open') in this build");
        }
        FilePath bundle = stepDir.child("bundle");
        BundleArchive.restore(run, target.getKey(), bundle);
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        int code = cli.run(Arguments.prMerge(step, bundle.getRemote(), workspace.getRemote(), number, signingKey), secrets, launcher,
                workspace, listener, said);
        if (code != 0) {
            throw RunOutcome.failure("pr-merge", code);
        }
        BundleArchive.save(bundle, run, target.getKey(), launcher, listener);
        // what landed: the forge's merge commit, or the approved commit itself when it fast-forwarded
        String landed = lastLine(said.toString(java.nio.charset.StandardCharsets.UTF_8), "^merged [a-z ]+ [0-9]+ as ([0-9a-f]{40})$", 1);
        target.merged(landed != null ? landed : target.getHeadCommit());
        run.save();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runId", target.getRunId());
        result.put("number", number);
        result.put("merged", target.getMerged());
        result.put("headCommit", target.getHeadCommit());
        return result;
    }

    /** The group of the last whole line that matches (lines split on \\n only: no other character ends one). */
    static String lastLine(String out, String regex, int group) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        String found = null;
        for (String line : out.split("\n", -1)) {
            java.util.regex.Matcher m = p.matcher(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            if (m.matches()) {
                found = m.group(group);
            }
        }
        return found;
    }
}
