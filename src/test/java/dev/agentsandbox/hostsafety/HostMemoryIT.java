package dev.agentsandbox.hostsafety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change built to exhaust the host's heap (millions of one-character lines) is refused while it is
 * read, in a small heap; a run that fails anyway ends as an infrastructure error with run.json
 * saying why and no half-made branch.
 */
class HostMemoryIT {
    static final String FLOOD = "for i in $(seq 1 40); do yes a | head -c 1048000 > /workspace/f$i.txt; done";

    @TempDir
    Path tmp;
    SampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
    }

    record Result(int exit, String output, JsonNode run) {
    }

    /** The CLI in a child JVM with a fixed heap, as a CI runner's default JVM would be, only smaller. */
    Result run(String heap, String config, String script) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), config);
        Path bundle = tmp.resolve("bundle");
        var r = dev.agentsandbox.testing.Launcher.run(java.util.Map.of(), List.of("-Xmx" + heap, "-XX:+UseSerialGC"), "run",
                "--repo", repo.dir.toString(), "--task", "many lines", "--image", TestHost.IMAGE, "--command", script,
                "--config", cfg.toString(), "--bundle", bundle.toString(), "--quiet");
        return new Result(r.exit(), r.output(), new ObjectMapper().readTree(bundle.resolve("run.json").toFile()));
    }

    List<String> agentBranches() throws Exception {
        try (Git g = Git.open(repo.dir.toFile())) {
            return g.getRepository().getRefDatabase().getRefsByPrefix("refs/heads/agent/").stream().map(r -> r.getName()).toList();
        }
    }

    /**
     * A check that writes reports the JUnit glob matches, one sparse 3 GiB and three of 40 MB: none is
     * read whole or copied into the bundle (the review saw 751 MB copied and the heap run out); the
     * check fails naming them, in a 96 MB heap.
     */
    @Test
    void hugeReportsAreNeitherReadNorKept() throws Exception {
        String check = "mkdir -p reports && truncate -s 3G reports/sparse.xml && for i in 1 2 3; do head -c 40000000 /dev/zero"
                + " > reports/big$i.xml; done";
        Result r = run("96m", "version: 1\nsandbox:\n  disk: 8g\nchecks:\n  tests:\n    command: [\"sh\", \"-c\", \"" + check + "\"]\n"
                + "    junit: \"reports/*.xml\"\n", "echo 'x = 1' > /workspace/new.py");
        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        String gates = Files.readString(tmp.resolve("bundle/gates.json"));
        assertThat(gates).contains("junit-too-large").contains("reports/sparse.xml is 3221225472 bytes");
        try (var files = Files.walk(tmp.resolve("bundle"))) {
            long bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            assertThat(bytes).as("the bundle").isLessThan(20L << 20);
        }
    }

    @Test
    void millionsOfLinesAreRefusedWhileReadInASmallHeap() throws Exception {
        long t0 = System.nanoTime();
        Result r = run("96m", "version: 1\n", FLOOD);
        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("too-many-lines").contains("policy.max-lines");
        assertThat(r.run().get("verdict").asText()).isEqualTo("fail");
        assertThat(agentBranches()).isEmpty();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(120));
    }

    @Test
    void aRunThatRunsOutOfMemoryIsAnInfrastructureErrorWithNoBranch() throws Exception {
        // The operator raised every limit: the change no longer fits this heap.
        Result r = run("64m", "version: 1\npolicy:\n  max-lines: 100000000\n  max-files: 1000\n  max-change-size: 1g\n", FLOOD);
        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("ran out of memory");
        assertThat(r.run().get("verdict").asText()).isEqualTo("error");
        assertThat(r.run().get("error").asText()).contains("ran out of memory");
        assertThat(r.run().get("featureBranch").isNull()).isTrue();
        assertThat(agentBranches()).isEmpty();
    }

    @Test
    void aFailureAfterTheCommitRemovesTheBranchAndRecordsWhy() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("cfg2.yml"), "version: 1\nchecks:\n  lint:\n    command: [\"true\"]\n"
                + "    image: agent-sandbox/no-such-image:never\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command",
                "echo 'x = 1' > /workspace/new.py", "--config", cfg.toString(), "--bundle", tmp.resolve("b2").toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(3);
        assertThat(r.err).contains("no-such-image");
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("b2/run.json").toFile());
        assertThat(run.get("verdict").asText()).isEqualTo("error");
        assertThat(run.get("error").asText()).contains("no-such-image");
        assertThat(agentBranches()).as("the commit was made, then its branch removed").isEmpty();
        assertThat(Files.readString(tmp.resolve("b2/audit.jsonl"))).contains("\"stage\":\"collect\",\"event\":\"commit\"")
                .contains("\"stage\":\"error\"");
    }
}
