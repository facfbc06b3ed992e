package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jenkins plugin, compiled (main and tests) against the API stubs in jenkins-plugin/check and
 * checked by SpotBugs at its parent's threshold, on every CI run: Jenkins' repository is not
 * reachable here, so this is what stands between a change and a plugin that does not build. Each
 * step is shown able to fail: a renamed API call does not compile, a planted bug is found.
 */
class JenkinsPluginCheckIT {
    static final Path CHECK = Path.of("jenkins-plugin/check").toAbsolutePath();

    record Result(int exit, String output) {
    }

    static Result sh(String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", CHECK.resolve(script).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void thePluginCompilesAgainstTheJenkinsApisAndSpotBugsFindsNothing(@TempDir Path tmp) throws Exception {
        Result compiled = sh("compile.sh", Path.of("jenkins-plugin").toAbsolutePath().toString(), tmp.resolve("out").toString());
        assertThat(compiled.exit()).as(compiled.output()).isZero();
        assertThat(compiled.output()).contains("MAIN: compiles").contains("TEST: compiles");
        Result bugs = sh("spotbugs.sh", tmp.resolve("out").toString());
        assertThat(bugs.exit()).as(bugs.output()).isZero();
        assertThat(bugs.output()).contains("SPOTBUGS: no findings");
        // the plugin's tests that need no Jenkins (the page's decisions, who may take them) really run
        Result unit = sh("unit.sh", tmp.resolve("out").toString());
        assertThat(unit.exit()).as(unit.output()).isZero();
        assertThat(unit.output()).contains("UNIT: passed").containsPattern("OK \\(\\d+ tests\\)");
    }

    /** The plugin's sources copied, to plant a fault in the copy. */
    private static Path pluginCopy(Path tmp) throws IOException {
        Path plugin = tmp.resolve("plugin");
        copy(Path.of("jenkins-plugin/src").toAbsolutePath(), plugin.resolve("src"));
        return plugin;
    }

    @Test
    void anAdministratorBypassPutBackFailsThePluginsUnitTests(@TempDir Path tmp) throws Exception {
        Path plugin = pluginCopy(tmp);
        Path approval = plugin.resolve("src/main/java/io/jenkins/plugins/agentsandbox/Approval.java");
        String source = Files.readString(approval);
        String check = "        List<String> submitters = q.submitters();\n";
        assertThat(source).contains(check);
        // the input step's rule: anyone with a group named like an administrator decides
        Files.writeString(approval, source.replace(check, check + "        if (who.groups().contains(\"admins\")) {\n            return null;\n        }\n"));
        Result compiled = sh("compile.sh", plugin.toString(), tmp.resolve("out").toString());
        assertThat(compiled.exit()).as(compiled.output()).isZero();
        Result unit = sh("unit.sh", tmp.resolve("out").toString());
        assertThat(unit.exit()).as(unit.output()).isEqualTo(1);
        assertThat(unit.output()).contains("anAdministratorOutsideSubmitterMayNot").contains("UNIT: failures");
    }

    @Test
    void aRenamedApiCallFailsTheCompileAndAPlantedBugFailsSpotBugs(@TempDir Path tmp) throws Exception {
        Path plugin = pluginCopy(tmp);
        Path execution = plugin.resolve("src/main/java/io/jenkins/plugins/agentsandbox/AgentSandboxExecution.java");
        String source = Files.readString(execution);
        assertThat(source).contains(".getRemote()");
        Files.writeString(execution, source.replaceFirst("\\.getRemote\\(\\)", ".getRemotePath()"));
        Result renamed = sh("compile.sh", plugin.toString(), tmp.resolve("out-renamed").toString());
        assertThat(renamed.exit()).as(renamed.output()).isNotZero();
        assertThat(renamed.output()).contains("MAIN: does not compile").contains("getRemotePath");

        Files.writeString(execution, source);
        Files.writeString(execution.resolveSibling("Planted.java"), """
                package io.jenkins.plugins.agentsandbox;
                final class Planted {
                    static int length(boolean b) {
                        String s = b ? null : null;
                        return s.length();
                    }
                }
                """);
        Result planted = sh("compile.sh", plugin.toString(), tmp.resolve("out-planted").toString());
        assertThat(planted.exit()).as(planted.output()).isZero();
        Result found = sh("spotbugs.sh", tmp.resolve("out-planted").toString());
        assertThat(found.exit()).as(found.output()).isEqualTo(1);
        assertThat(found.output()).contains("Planted").contains("SPOTBUGS: findings");
    }

    static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
    }
}
