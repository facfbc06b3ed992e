package dev.agentsandbox.run.agent;

import dev.agentsandbox.bundle.RunBundle;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.trace.ProcessRecord;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A sandbox's process trace into the hash-chained audit log: one {@code "type": "process"} event per program, then a summary. */
public final class ProcessLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProcessLog() {
    }

    /**
     * Judges the agent's programs against {@code policy.processes}, skipping what the runner itself
     * started before the agent's command (the model bridge: its shell, socat, its checks).
     */
    static final class Judge {
        private final dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy;
        private final ProgramCopies copies;
        private boolean armed;

        Judge(dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy) {
            this(policy, null);
        }

        /** @param copies what tells a copy of a denied program (null: not told) */
        Judge(dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy, ProgramCopies copies) {
            this.policy = policy;
            this.copies = copies;
        }

        /** Why this program is off the list, or null. */
        synchronized String judge(ProcessRecord r) {
            if (r.breakReason() != null) {
                return "the process log broke (" + r.breakReason() + "): nothing after it can be judged";
            }
            if (!armed) {
                boolean bridge = r.argv().size() > 3 && (r.argv().get(3).equals("agent-sandbox-bridge")
                        || r.argv().get(3).equals("agent-sandbox-services") || r.argv().get(3).equals(BoundaryProbe.NAME));
                if (r.pid() != 1 || bridge) {
                    return null;
                }
                armed = true; // pid 1 execs the agent's command: from here on everything is the agent's
            }
            String v = policy.violation(r.argv(), r.binary());
            String ran = r.binary();
            if (v == null && copies != null && !policy.deny().isEmpty()) {
                String original = copies.original(r);
                if (original != null && original.isEmpty()) {
                    v = "a program the run wrote, changed or gone before its content could be judged against policy.processes.deny";
                } else if (original != null) {
                    v = policy.violation(r.argv(), original);
                    ran = r.binary() + ", a copy of " + original;
                }
            }
            return v == null ? null : String.join(" ", r.argv()) + " (" + ran + "): " + v;
        }

        static java.util.List<String> all(dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy, ProcessTrace.Result trace) {
            return all(policy, trace, null);
        }

        static java.util.List<String> all(dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy, ProcessTrace.Result trace, ProgramCopies copies) {
            java.util.List<String> out = new java.util.ArrayList<>();
            if (policy == null || trace == null) {
                return out;
            }
            Judge j = new Judge(policy, copies);
            for (ProcessRecord r : trace.processes()) {
                String v = j.judge(r);
                if (v != null) {
                    out.add(v);
                }
            }
            return out;
        }
    }

    /**
     * A check's service's programs judged by policy.processes.deny, with the completeness rule of a
     * check: the check can make a service run programs (a database's COPY ... FROM PROGRAM). The
     * tool's own helpers beside the service (the relays, the readiness probes) are not judged, nor
     * is anything by the allow list, which is for the agent's code: a database is the
     * configuration's choice.
     */
    public static java.util.List<dev.agentsandbox.verdict.Finding> judgeService(dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy,
                                                                            String check, String service, ProcessTrace.Result trace) {
        java.util.List<dev.agentsandbox.verdict.Finding> out = new java.util.ArrayList<>();
        if (policy == null || policy.deny().isEmpty()) {
            return out;
        }
        String who = "service " + service + " of " + check;
        if (trace == null) {
            out.add(dev.agentsandbox.verdict.Finding.of(check, "process-policy", dev.agentsandbox.verdict.Verdict.FAIL,
                    "policy.processes.deny is set but " + who + " has no process log (its sandbox ended without one)"));
            return out;
        }
        if (trace.dropped() > 0 || trace.omitted() > 0 || trace.broken() != null) {
            out.add(dev.agentsandbox.verdict.Finding.of(check, "process-log-incomplete", dev.agentsandbox.verdict.Verdict.FAIL,
                    "the process log of " + who + " is incomplete: policy.processes cannot be checked on it"));
        }
        // The log holds execs only: a database's backends are forked without one, so what they start has a parent the log never
        // names. So everything is judged except pid 1 (service.sh) and the helpers it starts beside the service, with theirs.
        Integer command = null;
        java.util.Set<Integer> helpers = new java.util.HashSet<>();
        for (ProcessRecord r : trace.processes()) {
            if (r.breakReason() != null || r.pid() == 1) {
                continue;
            }
            if (r.ppid() == 1 && command == null && !helpers.contains(r.pid())) {
                command = r.pid(); // service.sh starts the service's command first
            } else if (r.ppid() == 1 && r.pid() != command || helpers.contains(r.ppid()) || helpers.contains(r.pid())) {
                helpers.add(r.pid());
                continue;
            }
            String v = policy.violation(r.argv(), r.binary());
            if (v != null && !v.startsWith("not in policy.processes.allow")) {
                out.add(dev.agentsandbox.verdict.Finding.of(check, "process-policy", dev.agentsandbox.verdict.Verdict.FAIL,
                        who + " ran " + String.join(" ", r.argv()) + " (" + r.binary() + "): " + v));
            }
        }
        return out;
    }

    /**
     * A check's programs judged by policy.processes, with the agent's completeness rule: a check runs
     * code the agent wrote, so a denied program there fails the check, and a check whose log is
     * missing or incomplete cannot pass a process policy.
     */
    public static java.util.List<dev.agentsandbox.verdict.Finding> judgeCheck(dev.agentsandbox.config.PolicyConfig.ProcessPolicy policy, String check,
                                                                          ProcessTrace.Result trace) {
        java.util.List<dev.agentsandbox.verdict.Finding> out = new java.util.ArrayList<>();
        if (policy == null) {
            return out;
        }
        if (trace == null) {
            out.add(dev.agentsandbox.verdict.Finding.of(check, "process-policy", dev.agentsandbox.verdict.Verdict.FAIL,
                    "policy.processes is set but the check " + check + " has no process log (gVisor tier and sandbox.process-log: true)"));
            return out;
        }
        if (trace.dropped() > 0 || trace.omitted() > 0 || trace.broken() != null) {
            out.add(dev.agentsandbox.verdict.Finding.of(check, "process-log-incomplete", dev.agentsandbox.verdict.Verdict.FAIL,
                    "the process log of the check " + check + " is incomplete (" + trace.dropped() + " dropped, " + trace.omitted()
                    + " past the limit" + (trace.broken() == null ? "" : ", reading stopped: " + trace.broken()) + "): policy.processes cannot be checked on it"));
        }
        for (String v : Judge.all(policy, trace)) {
            out.add(dev.agentsandbox.verdict.Finding.of(check, "process-policy", dev.agentsandbox.verdict.Verdict.FAIL, "the check ran " + v));
        }
        return out;
    }

    /** Audits the records and returns the summary with their digest (null when the sandbox was not traced). */
    public static Map<String, Object> audit(RunBundle bundle, String stage, ProcessTrace.Result trace) throws InfrastructureException {
        if (trace == null) {
            return null;
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (ProcessRecord p : trace.processes()) {
            Map<String, Object> record = p.toAudit();
            bundle.audit(stage, "process", record);
            try {
                sha.update(JSON.writeValueAsBytes(record));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>(trace.summary());
        summary.put("sha256", HexFormat.of().formatHex(sha.digest()));
        bundle.audit(stage, "process-log", summary);
        return summary;
    }
}
