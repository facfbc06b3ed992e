package dev.agentsandbox.run.agent;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.trace.ProcessRecord;
import dev.agentsandbox.verdict.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The agent gate: how the agent's sandbox ended, judged. A failed agent's change is never committed. */
final class AgentGate {
    static final String NAME = "agent";

    /**
     * What the gate judges besides the sandbox's own ending.
     *
     * @param overBudget why the proxy stopped the agent (tokens or spend), or null
     * @param overQuota the disk quota the agent filled, or null
     * @param hiddenInTask what the task holds that a reader may not see
     * @param offList programs the agent ran off policy.processes
     * @param processStopped the program that stopped the agent (enforce: stop), or null
     * @param policySet whether policy.processes is set
     * @param boundary what the boundary probe found not to hold
     */
    record Facts(String overBudget, String overQuota, List<String> hiddenInTask, List<String> offList, String processStopped,
                 boolean policySet, List<Finding> boundary) {
    }

    private AgentGate() {
    }

    static GateResult judge(SandboxResult agent, Limits limits, Facts facts) {
        List<Finding> f = new ArrayList<>(facts.boundary());
        processFindings(agent, facts, f);
        if (!facts.hiddenInTask().isEmpty()) {
            f.add(Finding.of(NAME, "task-hidden-content", Verdict.WARN, "the task holds content a reader may not see ("
                    + String.join("; ", facts.hiddenInTask()) + "); the review page shows it marked"));
        }
        if (facts.overQuota() != null) {
            f.add(Finding.of(NAME, "disk-quota", Verdict.FAIL, "workspace over its " + facts.overQuota()
                    + " quota (sandbox.disk): the agent filled its disk; its change is not committed"));
        }
        if (facts.overBudget() != null) {
            f.add(Finding.of(NAME, facts.overBudget().contains("(proxy.spend)") ? "spend-cap" : "token-budget", Verdict.FAIL,
                    "the agent was stopped: " + facts.overBudget()));
        }
        switch (agent.ending()) {
            case TIMED_OUT -> f.add(Finding.of(NAME, "timeout", Verdict.FAIL, "the agent did not finish within "
                    + limits.timeout().toSeconds() + " s; its partial change is not committed"));
            case OUT_OF_MEMORY -> f.add(Finding.of(NAME, "out-of-memory", Verdict.FAIL, "the agent ran out of memory"));
            case CANCELLED -> f.add(Finding.of(NAME, "cancelled", Verdict.FAIL, "the agent was cancelled"));
            case EXITED -> {
                if (agent.exitCode() != 0 && agent.pidsLimitHit()) {
                    f.add(Finding.of(NAME, "pids-limit", Verdict.FAIL, "the agent was stopped by the process limit of "
                            + limits.pids() + " (exit status " + agent.exitCode() + "); raise sandbox.pids (under gVisor an idle"
                            + " sandbox takes about 45 of them and each process about 9); its change is not committed"));
                } else if (agent.exitCode() != 0) {
                    f.add(Finding.of(NAME, "exit-status", Verdict.FAIL, "the agent exited with status " + agent.exitCode()
                            + "; its change is not committed"));
                }
            }
        }
        if (agent.outputTruncated()) {
            f.add(Finding.of(NAME, "output-truncated", Verdict.WARN, "the agent wrote " + agent.outputBytes()
                    + " bytes of output; only the first part was kept"));
        }
        return GateResult.of(NAME, f, agent.timings().run(), new GateDetails.Agent(agent.exitCode(), agent.ending().id(),
                // for tuning sandbox.pids: the most host tasks the agent's sandbox held, against its limit
                agent.pidsPeak(), limits.pids(),
                // the review page's timeline: the first 500 programs, as the audit log holds them
                agent.processes() == null ? List.of()
                        : agent.processes().processes().stream().limit(500).map(ProcessRecord::toAudit).toList()));
    }

    private static void processFindings(SandboxResult agent, Facts facts, List<Finding> f) {
        if (facts.processStopped() != null) {
            f.add(Finding.of(NAME, "process-policy", Verdict.FAIL, "the agent was stopped when it ran " + facts.processStopped()
                    + " (policy.processes enforce: stop); its change is not committed"));
        }
        List<String> offList = facts.offList();
        offList.stream().limit(20).forEach(v -> f.add(Finding.of(NAME, "process-policy", Verdict.FAIL, "the agent ran " + v)));
        if (offList.size() > 20) {
            f.add(Finding.of(NAME, "process-policy", Verdict.FAIL, (offList.size() - 20) + " more programs off policy.processes"));
        }
        var trace = agent.processes();
        if (trace != null && (trace.dropped() > 0 || trace.omitted() > 0 || trace.broken() != null)) {
            // An agent can flood the log (thousands of programs) to hide one: an incomplete log cannot pass a process policy.
            f.add(Finding.of(NAME, "process-log-incomplete", facts.policySet() ? Verdict.FAIL : Verdict.WARN,
                    "the process log is incomplete (" + trace.dropped() + " events dropped by gVisor, " + trace.omitted()
                    + " programs past the record limit" + (trace.broken() == null ? "" : ", reading stopped: " + trace.broken()) + ")"
                    + (facts.policySet() ? ": policy.processes cannot be checked on it" : "")));
        }
        if (facts.policySet() && trace == null) {
            // no process log (the runc tier, or process-log off): the policy cannot be checked, so the run does not pass it
            f.add(Finding.of(NAME, "process-policy", Verdict.FAIL, "policy.processes is set but this run has no process log"
                    + " (gVisor tier and sandbox.process-log: true are needed to check it)"));
        }
    }
}
