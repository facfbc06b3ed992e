package dev.agentsandbox.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessPolicyTest {
    @Test
    void rulesMatchTheExecutableByNameOrPathAndTheFirstArguments() {
        var p = new PolicyConfig.ProcessPolicy(List.of("sh", "git", "/usr/bin/python3.11"), List.of("git push", "curl"), false);
        assertThat(p.violation(List.of("git", "status"), "/usr/bin/git")).isNull();
        assertThat(p.violation(List.of("git", "push", "origin"), "/usr/bin/git")).contains("denied").contains("git push");
        assertThat(p.violation(List.of("g", "push"), "/usr/bin/git")).as("a renamed argv[0] is judged by the binary too").contains("denied");
        assertThat(p.violation(List.of("git", "pushy"), "/usr/bin/git")).as("whole arguments, not prefixes of words").isNull();
        assertThat(p.violation(List.of("python3", "-c", "x"), "/usr/bin/python3.11")).isNull();
        assertThat(p.violation(List.of("/tmp/curl", "-s"), "/tmp/curl")).contains("denied");
        assertThat(p.violation(List.of("wget", "x"), "/usr/bin/wget")).isEqualTo("not in policy.processes.allow (/usr/bin/wget ran)");
        assertThat(new PolicyConfig.ProcessPolicy(null, List.of("curl"), false).violation(List.of("wget"), "/usr/bin/wget")).isNull();
    }

    /** The review's attacks: argv[0] chosen by the caller, the dynamic loader, anonymous programs, git's global options. */
    @Test
    void theProgramThatRanIsJudgedNotTheNameItWasCalledBy() {
        var p = new PolicyConfig.ProcessPolicy(List.of("sh", "python3"), List.of("perl", "git push"), false);
        assertThat(p.violation(List.of("python3", "-e", "print 1"), "/usr/bin/perl")).as("execv(perl, [python3, ...])").contains("denied");
        var allowOnly = new PolicyConfig.ProcessPolicy(List.of("sh", "python3"), List.of(), false);
        assertThat(allowOnly.violation(List.of("python3", "-c", "x"), "/usr/bin/python3.11")).as("called through its link").isNull();
        assertThat(allowOnly.violation(List.of("sh", "-c", "x"), "/usr/bin/dash")).as("sh is dash here").isNull();
        assertThat(allowOnly.violation(List.of("sh", "-c", "x"), "/usr/bin/perl")).isNotNull();
        assertThat(allowOnly.violation(List.of("python3", "-e", "x"), "/usr/bin/perl")).as("allow is never matched by argv[0]")
                .isEqualTo("not in policy.processes.allow (/usr/bin/perl ran)");
        assertThat(allowOnly.violation(List.of("/lib64/ld-linux-x86-64.so.2", "/usr/bin/perl", "-e", "x"), "/lib64/ld-linux-x86-64.so.2"))
                .as("the loader's program is judged").contains("/usr/bin/perl ran");
        assertThat(p.violation(List.of("ld.so", "--library-path", "/x", "/usr/bin/perl"), "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
                .contains("denied by policy.processes.deny \"perl\"");
        assertThat(p.violation(List.of("python3"), "/memfd:x (deleted)")).contains("a program with no path");
        assertThat(p.violation(List.of("python3"), "/proc/self/fd/3")).contains("a program with no path");
        assertThat(new PolicyConfig.ProcessPolicy(List.of("(anonymous)"), List.of(), false).violation(List.of("x"), "/memfd:jit")).isNull();
        assertThat(p.violation(List.of("git", "-c", "x=y", "push"), "/usr/bin/git")).contains("denied by policy.processes.deny \"git push\"");
        assertThat(p.violation(List.of("git", "--no-pager", "-C", "/w", "push", "origin"), "/usr/bin/git")).contains("denied");
        assertThat(p.violation(List.of("git", "--git-dir=/w/.git", "push"), "/usr/bin/git")).contains("denied");
        assertThat(new PolicyConfig.ProcessPolicy(null, List.of("git push"), false).violation(List.of("git", "-c", "push", "status"),
                "/usr/bin/git")).as("a value of -c is not the subcommand").isNull();
    }
}
