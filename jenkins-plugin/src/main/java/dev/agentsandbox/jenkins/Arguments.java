package dev.agentsandbox.jenkins;

import hudson.AbortException;
import java.util.ArrayList;
import java.util.List;

/** The command line of the jar for one step invocation; every value is a separate argument. */
final class Arguments {
    private Arguments() {
    }

    static List<String> of(AgentSandboxStep s, String workspace) throws AbortException {
        List<String> a = new ArrayList<>();
        switch (s.getAction()) {
            case "run" -> {
                if (s.getTask() == null) {
                    throw new AbortException("agentSandbox: give the task (agentSandbox(task: '…', image: '…', command: '…'))");
                }
                a.addAll(List.of("run", "--repo", workspace, "--bundle", s.getBundle(), "--task", s.getTask()));
                add(a, "--image", s.getImage());
                add(a, "--command", s.getCommand());
                add(a, "--config", s.getConfig());
                add(a, "--tier", s.getTier());
                add(a, "--runtime", s.getRuntime());
                add(a, "--base", s.getBase());
                add(a, "--signing-key", s.getSigningKey());
                add(a, "--push", s.getPush());
                add(a, "--model-provider", s.getModelProvider());
                add(a, "--model-key-env", s.getModelKeyVariable());
            }
            case "approve", "reject" -> {
                if (s.getBy() == null) {
                    throw new AbortException("agentSandbox(action: '" + s.getAction() + "') needs by: the input step's submitter");
                }
                a.addAll(List.of(s.getAction(), "--run", s.getBundle(), "--by", s.getBy()));
                add(a, "--comment", s.getComment());
                add(a, "--key", requirePublicKey(s));
                add(a, "--signing-key", s.getSigningKey());
            }
            case "merge" -> {
                a.addAll(List.of("merge", "--run", s.getBundle(), "--repo", workspace));
                add(a, "--remote", s.getPush());
                add(a, "--key", requirePublicKey(s));
                add(a, "--signing-key", s.getSigningKey());
            }
            default -> throw new AbortException("agentSandbox: unknown action '" + s.getAction() + "' (use run, approve, reject or merge)");
        }
        return a;
    }

    private static String requirePublicKey(AgentSandboxStep s) throws AbortException {
        if (s.getPublicKey() == null) {
            throw new AbortException("agentSandbox(action: '" + s.getAction() + "') needs publicKey: the public key of the signing key,"
                    + " which the decision and the merge pin (a key read from the bundle proves nothing about who signed)");
        }
        return s.getPublicKey();
    }

    private static void add(List<String> a, String option, String value) {
        if (value != null) {
            a.add(option);
            a.add(value);
        }
    }
}
