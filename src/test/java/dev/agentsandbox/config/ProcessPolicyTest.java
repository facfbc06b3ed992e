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
        assertThat(p.violation(List.of("wget", "x"), "/usr/bin/wget")).isEqualTo("not in policy.processes.allow");
        assertThat(new PolicyConfig.ProcessPolicy(null, List.of("curl"), false).violation(List.of("wget"), "/usr/bin/wget")).isNull();
    }
}
