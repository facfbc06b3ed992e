package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/agent-sandbox's class-data archive: recorded on a jar's second run, and a cache it cannot write never stops a run. */
class LauncherScriptIT {
    @TempDir
    Path tmp;

    record Result(int exit, String output) {
    }

    Result launch(Path cache, String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of(Path.of("bin/agent-sandbox").toAbsolutePath().toString()));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.environment().put("AGENT_SANDBOX_JAR", jar().toString());
        pb.environment().remove("AGENT_SANDBOX_CDS");
        pb.environment().remove("AGENT_SANDBOX_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    static Path jar() {
        return Path.of("target/agent-sandbox.jar").toAbsolutePath();
    }

    static String key() throws Exception {
        return Files.size(jar()) + "-" + Files.getLastModifiedTime(jar()).toMillis() / 1000;
    }

    @Test
    void theFirstRunOfAJarRecordsNothingAndTheSecondRecordsTheArchive() throws Exception {
        Path cache = tmp.resolve("cache");
        Path dir = cache.resolve("agent-sandbox");
        assertThat(launch(cache, "run", "--help").exit()).isZero();
        assertThat(dir.resolve("cds-" + key() + ".seen")).exists();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".jsa"));
        }
        assertThat(launch(cache, "run", "--help").exit()).isZero();
        assertThat(launch(cache, "run", "--help").exit()).isZero(); // renames the archive the second run wrote
        assertThat(dir.resolve("cds-" + key() + ".jsa")).exists();
    }

    @Test
    void aMarkerThatCannotBeWrittenNeverStopsARun() throws Exception {
        Path cache = tmp.resolve("cache");
        Path dir = Files.createDirectories(cache.resolve("agent-sandbox"));
        // a folder where the marker goes: the write fails as on a read-only or full cache
        Files.createDirectory(dir.resolve("cds-" + key() + ".seen"));
        Result r = launch(cache, "run", "--help");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("--task");
    }
}
