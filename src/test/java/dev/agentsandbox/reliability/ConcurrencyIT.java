package dev.agentsandbox.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.testing.Leftovers;
import dev.agentsandbox.testing.RunnerUser;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs side by side on one host, as on a Jenkins agent with several executors (the agent's user,
 * sudo for mount, umount and runsc only): some on one repository (one base tree, one shared export,
 * branches written into one .git), some on their own; one run killed mid-way; `cleanup` from
 * another job of the same user and from root while the others go on. Every run passes or fails
 * exactly as it does alone, with only its own change, and nothing of a live run is touched.
 */
class ConcurrencyIT {
    static final RunnerUser USER = RunnerUser.LIMITED_SUDO;
    Path root;

    @AfterEach
    void remove() throws Exception {
        if (root != null) {
            RunnerUser.remove(root);
        }
    }

    record Started(int index, boolean breaksTests, SampleRepo repo, ObjectId mainBefore, Path bundle, Path log, Process process) {
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 8})
    void runsSideBySidePassOrFailExactlyAsAloneAndCleanupTouchesOnlyTheDead(int n) throws Exception {
        USER.requirePresent();
        root = USER.newFolder("concurrency");
        Files.createDirectories(root.resolve("shared"));
        SampleRepo shared = SampleRepo.create(root.resolve("shared"));
        List<SampleRepo> own = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Files.createDirectories(root.resolve("own-" + i));
            own.add(i % 2 == 1 ? SampleRepo.create(root.resolve("own-" + i)) : shared);
        }
        USER.own(root);
        String cli = Path.of("bin/agent-sandbox").toAbsolutePath().toString();
        Map<String, String> env = Map.of("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));

        // A run killed mid-way on the shared repository: what it leaves is cleanup's to remove.
        Process killedLauncher = start(cli, env, shared, "wait", "sleep 300", root.resolve("killed"), root.resolve("killed.log"));
        long killed = javaOf(killedLauncher);
        Instant deadline = Instant.now().plusSeconds(90);
        while (Leftovers.containers(Labels.CREATOR_PID, Long.toString(killed)).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertThat(Leftovers.containers(Labels.CREATOR_PID, Long.toString(killed))).as(Files.readString(root.resolve("killed.log"))).hasSize(1);
        new ProcessBuilder("kill", "-KILL", Long.toString(killed)).start().waitFor();
        killedLauncher.waitFor(30, TimeUnit.SECONDS);

        List<Started> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean breaks = i % 4 == 3;
            String command = breaks
                    ? "sed -i 's/return a + b/return a - b/' calc.py; printf '\\n# marker_" + i + "\\n' >> calc.py; sleep 4"
                    : "printf '\\ndef marker_" + i + "(a):\\n    return a\\n' >> calc.py; sleep 4";
            SampleRepo repo = own.get(i);
            Path bundle = root.resolve("b" + i);
            Path log = root.resolve("run-" + i + ".log");
            runs.add(new Started(i, breaks, repo, repo.head("main"), bundle, log, start(cli, env, repo, "change " + i, command, bundle, log)));
        }
        // Another job's cleanup, as the same user (same scratch area) and as root, while the runs are in their sandboxes.
        List<Long> live = new ArrayList<>();
        for (Started s : runs) {
            live.add(javaOf(s.process()));
        }
        deadline = Instant.now().plusSeconds(120);
        while (live.stream().filter(this::hasSandbox).count() < Math.max(2, n / 2) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        var byUser = USER.exec(List.of(cli, "cleanup"), root, env);
        assertThat(byUser.exitCode()).as(byUser.out()).isZero();
        var byRoot = RunnerUser.ROOT.exec(List.of(cli, "cleanup"), root, env);
        assertThat(byRoot.exitCode()).as(byRoot.out()).isZero();
        assertThat(Leftovers.containers(Labels.CREATOR_PID, Long.toString(killed))).as("the killed run's sandbox").isEmpty();
        assertThat(Leftovers.volumes(Labels.CREATOR_PID, Long.toString(killed))).as("the killed run's volume").isEmpty();

        for (Started s : runs) {
            assertThat(s.process().waitFor(10, TimeUnit.MINUTES)).as("run " + s.index() + " ended").isTrue();
        }
        for (Started s : runs) {
            String out = Files.readString(s.log());
            assertThat(s.process().exitValue()).as("run " + s.index() + "\n" + out).isEqualTo(s.breaksTests() ? 1 : 0);
            JsonNode run = new ObjectMapper().readTree(s.bundle().resolve("run.json").toFile());
            assertThat(run.get("verdict").asText()).as(out).isEqualTo(s.breaksTests() ? "fail" : "pass");
            String patch = Files.readString(s.bundle().resolve("change.patch"));
            assertThat(patch).as("run %d has its own change", s.index()).contains("marker_" + s.index());
            for (Started other : runs) {
                if (other != s) {
                    assertThat(patch).as("run %d holds nothing of run %d", s.index(), other.index()).doesNotContain("marker_" + other.index() + "\n")
                            .doesNotContain("marker_" + other.index() + "(");
                }
            }
            assertThat(s.repo().head(run.get("featureBranch").asText()).name()).isEqualTo(run.get("headCommit").asText());
            assertThat(s.repo().head("main")).as("the base branch").isEqualTo(s.mainBefore());
            assertThat(Leftovers.containers(Labels.RUN, run.get("runId").asText())).as("run %d's sandboxes", s.index()).isEmpty();
        }
        assertThat(ownMounts(live)).as("mounts of the runs").isEmpty();
        assertThat(scratchOf(killed)).as("the killed run's scratch folder").isEmpty();
    }

    private Process start(String cli, Map<String, String> env, SampleRepo repo, String task, String command, Path bundle, Path log) throws Exception {
        return USER.start(List.of(cli, "run", "--repo", repo.dir.toString(), "--task", task, "--image", TestHost.IMAGE, "--command", command,
                "--bundle", bundle.toString(), "--quiet"), root, env, ProcessBuilder.Redirect.to(log.toFile()));
    }

    /** The CLI's JVM under a launcher started as the user (runuser, env, the launcher script that execs java). */
    private static long javaOf(Process launcher) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            var java = launcher.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst();
            if (java.isPresent()) {
                return java.get().pid();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no java process under the launcher " + launcher.pid());
    }

    private boolean hasSandbox(long pid) {
        try {
            return !Leftovers.containers(Labels.CREATOR_PID, Long.toString(pid)).isEmpty();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path scratchArea() throws Exception {
        return Path.of("/tmp", "agent-sandbox-" + USER.exec(List.of("id", "-u"), Path.of("/"), Map.of()).out().strip());
    }

    private static List<Path> scratchOf(long pid) throws Exception {
        Path area = scratchArea();
        if (!Files.isDirectory(area)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(area)) {
            return s.filter(p -> p.getFileName().toString().contains("." + pid + ".")).toList();
        }
    }

    /** Mounts under the user's scratch area that belong to these processes' runs. */
    private static List<String> ownMounts(List<Long> pids) throws Exception {
        String area = Pattern.quote(scratchArea() + "/");
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> pids.stream().anyMatch(pid -> l.matches(".*" + area + "[^/ ]*\\." + pid + "\\.[0-9]+[/ ].*"))).toList();
    }
}
