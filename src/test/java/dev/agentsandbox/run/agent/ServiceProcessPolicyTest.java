package dev.agentsandbox.run.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.config.PolicyConfig;
import dev.agentsandbox.sandbox.trace.ProcessRecord;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import dev.agentsandbox.verdict.Finding;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What runs in a check's service, judged by the deny list: the service command and everything it
 * starts, never the tool's own relays and probes beside it, and never by the agent's allow list.
 */
class ServiceProcessPolicyTest {
    private static ProcessRecord exec(int pid, int ppid, String binary, String... argv) {
        return new ProcessRecord(pid, ppid, binary, List.of(argv), "/", 0, 0, null);
    }

    private static final ProcessTrace.Result TRACE = new ProcessTrace.Result(List.of(
            exec(1, 0, "/bin/sh", "sh", "-c", "…", "agent-sandbox-service", "postgres"),
            exec(7, 1, "/usr/lib/postgresql/15/bin/postgres", "postgres", "-D", "/tmp/pg"),
            exec(8, 1, "/usr/bin/grep", "grep", "-q", ":1538 00000000:0000 0A", "/proc/net/tcp"),
            exec(9, 1, "/usr/bin/socat", "socat", "UNIX-LISTEN:/run/agent-sandbox-service/5432.sock,fork", "TCP:127.0.0.1:5432"),
            exec(12, 7, "/usr/lib/postgresql/15/bin/postgres", "postgres: app"),
            exec(13, 12, "/bin/sh", "sh", "-c", "perl -e 1"),
            exec(14, 13, "/usr/bin/perl", "perl", "-e", "1"),
            exec(21, 1, "/bin/sh", "sh", "-c", "pg_isready -q"),
            exec(22, 21, "/usr/bin/perl", "perl", "-e", "0"),
            // a backend forked without an exec (pid 30, never in the log) starts a program
            exec(31, 30, "/usr/bin/perl", "perl", "-e", "2")), 0, 0, null);

    @Test
    void aDeniedProgramTheServiceRunsFailsTheCheckAndTheToolsHelpersDoNot() {
        var policy = new PolicyConfig.ProcessPolicy(List.of("/usr/bin/python3"), List.of("perl", "socat", "grep"), false);
        List<Finding> f = ProcessLog.judgeService(policy, "tests", "db", TRACE);
        assertThat(f).extracting(Finding::message).containsExactly(
                "service db of tests ran perl -e 1 (/usr/bin/perl): denied by policy.processes.deny \"perl\"",
                "service db of tests ran perl -e 2 (/usr/bin/perl): denied by policy.processes.deny \"perl\"");
        assertThat(f).extracting(Finding::gate).containsOnly("tests");
    }

    @Test
    void withoutADenyListNothingIsJudgedAndWithoutALogTheCheckCannotPass() {
        assertThat(ProcessLog.judgeService(new PolicyConfig.ProcessPolicy(List.of("/usr/bin/python3"), List.of(), false), "tests", "db", TRACE))
                .isEmpty();
        assertThat(ProcessLog.judgeService(null, "tests", "db", null)).isEmpty();
        assertThat(ProcessLog.judgeService(new PolicyConfig.ProcessPolicy(List.of(), List.of("perl"), false), "tests", "db", null))
                .extracting(Finding::rule).containsExactly("process-policy");
    }
}
