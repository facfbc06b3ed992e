package dev.agentsandbox.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * policy.processes judged on what gVisor's kernel saw: a program off the list fails the run however
 * it was started (renamed, decoded, in a subshell); with enforce: stop the sandbox ends at once and
 * nothing after it runs.
 */
class ProcessPolicyIT {
    @TempDir
    Path tmp;

    Cli run(String policy, String script) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path config = Files.writeString(tmp.resolve("c.yml"), "policy:\n  processes:\n" + policy);
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE, "--config", config.toString(),
                "--command", script, "--bundle", tmp.resolve("bundle").toString());
    }

    @Test
    void aDeniedProgramFailsTheRunEvenRenamedOrDecoded() throws Exception {
        // git push under another name, and once more from base64 in a subshell
        Cli r = run("    deny: [\"git push\"]\n",
                "cp /usr/bin/git /tmp/g 2>/dev/null; echo Z2l0IHB1c2ggb3JpZ2luIG1haW4K | base64 -d | sh 2>/dev/null;"
                        + " printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("process-policy").contains("the agent ran git push origin main (/usr/bin/git): denied by policy.processes.deny \"git push\"");
    }

    /**
     * A copy of a denied program is that program: the workspace is the one place the sandbox may
     * write and run from, and a copy there carries the content the probe saw in the image. A copy
     * removed as it starts is judged too (fail closed), and a script the agent wrote is no copy.
     */
    @Test
    void aCopyOfADeniedProgramIsThatProgram() throws Exception {
        Cli r = run("    deny: [\"git push\", perl]\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py; cp /usr/bin/git ./g; ./g push origin main 2>/dev/null; rm -f g; true");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("./g push origin main (/workspace/g, a copy of /usr/bin/git): denied by policy.processes.deny \"git push\"");
        tmp = Files.createDirectories(tmp.resolve("gone"));
        Cli gone = run("    deny: [perl]\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py; cp /usr/bin/perl ./p; ./p -e 'unlink \"./p\"; sleep 1'; true");
        assertThat(gone.exitCode).as(gone.toString()).isEqualTo(1);
        assertThat(gone.out).containsAnyOf("a copy of /usr/bin/perl): denied by policy.processes.deny \"perl\"", "changed or gone before");
        tmp = Files.createDirectories(tmp.resolve("script"));
        Cli script = run("    deny: [perl]\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py; printf '#!/bin/sh\\necho hi\\n' > t.sh; chmod +x t.sh; ./t.sh");
        assertThat(script.exitCode).as(script.toString()).isZero();
    }

    /**
     * The program that ran is judged, not the name it was called by (execv(perl, [python3, ...])
     * passed an allow list of [sh, python3]), and the dynamic loader's program is judged as itself.
     */
    @Test
    void argvZeroAndTheDynamicLoaderDoNotHideTheProgram() throws Exception {
        Cli r = run("    allow: [sh, python3, printf]\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py;"
                        + " python3 -c \"import os; os.execv('/usr/bin/perl', ['python3', '-e', 'print 1'])\"");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("(/usr/bin/perl): not in policy.processes.allow (/usr/bin/perl ran)");
        Path second = Files.createDirectories(tmp.resolve("second"));
        tmp = second;
        Cli loader = run("    deny: [perl]\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py; for l in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1;"
                        + " do [ -x $l ] && $l /usr/bin/perl -e 1; done; true");
        assertThat(loader.exitCode).as(loader.toString()).isEqualTo(1);
        assertThat(loader.out).contains("denied by policy.processes.deny \"perl\"");
    }

    /**
     * One exec with 160 KB of arguments made a trace message larger than the reader took: the reader
     * stopped, the next programs went unseen, and under enforce: stop the denied one ran to the end.
     * The whole message is read now; the denied program after it stops the sandbox within seconds.
     */
    @Test
    void aHugeArgumentListDoesNotBlindTheLog() throws Exception {
        long start = System.nanoTime();
        Cli r = run("    deny: [perl]\n    enforce: stop\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py; /bin/true \"$(head -c 160000 /dev/zero | tr '\\0' a)\";"
                        + " perl -e 'sleep 30'; touch AFTER.txt");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("stopping the agent: perl -e sleep 30 (/usr/bin/perl): denied by policy.processes.deny \"perl\"")
                .doesNotContain("process-log-incomplete");
        assertThat(seconds).as("stopped within a bound, not after perl's 30 s").isLessThan(25);
    }

    /** A test the agent added ran a denied program during the tests check, unjudged, before; a check runs the agent's code. */
    @Test
    void aCheckThatRunsADeniedProgramFails() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path config = Files.writeString(tmp.resolve("checks.yml"), "policy:\n  processes:\n    deny: [perl]\nchecks:\n  tests:\n"
                + "    command: [\"sh\", \"-c\", \"sh ./extra_test.sh\"]\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "Add a test", "--image", TestHost.IMAGE, "--config", config.toString(),
                "--command", "printf 'perl -e 1\\n' > extra_test.sh", "--bundle", tmp.resolve("bundle").toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(Files.readString(tmp.resolve("bundle/gates.json"))).contains("the check ran perl -e 1 (/usr/bin/perl): denied by policy.processes.deny");
    }

    @Test
    void floodingTheLogToHideADeniedProgramFailsTheRun() throws Exception {
        // 5,100 programs, past the log's record limit, then the denied one
        Cli r = run("    deny: [\"git push\"]\n",
                "i=0; while [ $i -lt 5100 ]; do /bin/true; i=$((i+1)); done; git push origin main 2>/dev/null;"
                        + " printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("process-log-incomplete").contains("policy.processes cannot be checked on it");
    }

    @Test
    void anAllowListPassesTheAgentsOwnProgramsAndFailsTheOthers() throws Exception {
        Cli ok = run("    allow: [sh, python3, printf]\n", "python3 -c 'print(1)'; printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py");
        assertThat(ok.exitCode).as(ok.toString()).isZero();
    }

    @Test
    void enforceStopEndsTheSandboxAtTheFirstProgramOffTheList() throws Exception {
        Cli r = run("    allow: [sh, sleep, printf]\n    enforce: stop\n",
                "printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py; python3 -c 'print(1)'; sleep 30; touch AFTER.txt");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("stopping the agent: python3 -c print(1) (/usr/bin/python3.11): not in policy.processes.allow")
                .contains("the agent was stopped when it ran python3");
        assertThat(r.out).as("stopped at once, not after the sleep").doesNotContain("agent exited with status 0");
        assertThat(Files.readString(tmp.resolve("bundle/audit.jsonl"))).doesNotContain("\"argv\":[\"touch\"");
    }
}
