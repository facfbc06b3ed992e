package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * A run's command line becomes a durable task's shell script: every word reaches the CLI exactly as
 * given, whatever a Jenkinsfile puts in it. Checked with the real /bin/sh. Needs no Jenkins:
 * check/unit.sh runs it in every CI run.
 */
public class CliQuoteTest {
    private static final List<String> HOSTILE = List.of(
            "plain", "", "it's", "'", "''", "$(touch /tmp/pwned)", "`id`", "a;b", "a\nb", "$HOME", "\\", "*", "-e", "\"quoted\"",
            "tab\there", "é ✓ \u202e", "' ; echo pwned ; '");

    @Test
    public void everyWordReachesTheProgramAsGiven() throws Exception {
        StringBuilder script = new StringBuilder("printf '%s\\0'");
        for (String w : HOSTILE) {
            script.append(' ').append(Cli.quote(w));
        }
        Process p = new ProcessBuilder("/bin/sh", "-c", script.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(10, TimeUnit.SECONDS), equalTo(true));
        String[] words = new String(out, StandardCharsets.UTF_8).split("\0", -1);
        assertThat(List.of(words).subList(0, words.length - 1), equalTo(HOSTILE));
    }
}
