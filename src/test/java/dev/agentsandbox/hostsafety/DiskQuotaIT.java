package dev.agentsandbox.hostsafety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent (or its tests) that tries to fill the host's disk gets ENOSPC at sandbox.disk: the run
 * ends with a clear finding, nothing is committed, and the host keeps its space.
 */
class DiskQuotaIT {
    @TempDir
    Path tmp;
    SampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
    }

    private Cli run(String workspace, String config, String script) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), config);
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", "fill the disk", "--image", TestHost.IMAGE, "--command", script,
                "--config", cfg.toString(), "--workspace", workspace, "--bundle", tmp.resolve("bundle-" + workspace).toString());
    }

    private List<String> rules(String workspace, String gate) throws Exception {
        for (JsonNode g : new ObjectMapper().readTree(tmp.resolve("bundle-" + workspace + "/gates.json").toFile())) {
            if (g.get("gate").asText().equals(gate)) {
                return g.get("findings").findValuesAsText("rule");
            }
        }
        return List.of();
    }

    /** Mounts in this JVM's scratch folders ("run.pid.start"): other runs of this tool may share the host. */
    static List<String> ownMounts() throws Exception {
        String own = java.util.regex.Pattern.quote(dev.agentsandbox.workspace.ScratchArea.of(System.getenv()).base() + "/") + "[^/ ]*\\."
                + ProcessHandle.current().pid() + "\\.[0-9]+/.*";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.matches(".*" + own)).toList();
    }

    @Test
    void anAgentFillingItsWorkspaceStopsAtTheQuotaInBothKindsOfWorkspace() throws Exception {
        for (String ws : List.of("overlay", "copy")) {
            ObjectId before = repo.head("main");
            Cli r = run(ws, "version: 1\nsandbox:\n  disk: 64m\n",
                    "dd if=/dev/zero of=/workspace/fill bs=1M count=400 2>/tmp/dd.err; cat /tmp/dd.err; echo more > /workspace/after.txt; true");
            assertThat(r.exitCode).as(ws + "\n" + r).isEqualTo(1);
            assertThat(r.all()).as(ws).contains("No space left on device").contains("workspace over its 64 MiB quota");
            assertThat(rules(ws, "agent")).as(ws).contains("disk-quota");
            assertThat(Files.readString(tmp.resolve("bundle-" + ws + "/run.json"))).contains("\"headCommit\" : null");
            assertThat(repo.head("main")).isEqualTo(before);
            // nothing of it stayed on the host: no scratch folder (where the disk image was), no mount
            try (var own = Files.list(dev.agentsandbox.workspace.ScratchArea.of(System.getenv()).base())) {
                assertThat(own.map(p -> p.getFileName().toString())).as(ws).noneMatch(n -> n.contains("." + ProcessHandle.current().pid() + "."));
            }
            assertThat(ownMounts()).as(ws).noneMatch(l -> l.contains("agent-overlay") || l.contains("agent-copy"));
        }
    }

    @Test
    void aCheckFillingItsDiskFailsWithTheQuotaFinding() throws Exception {
        Cli r = run("auto", "version: 1\nsandbox:\n  disk: 32m\nchecks:\n  tests:\n"
                        + "    command: [\"sh\", \"-c\", \"dd if=/dev/zero of=/workspace/big bs=1M count=100; true\"]\n",
                "echo 'x = 1' > /workspace/new.py");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(rules("auto", "tests")).contains("disk-quota");
        assertThat(ownMounts()).noneMatch(l -> l.contains("/check-tests"));
    }

    @Test
    void diskIsValidatedAndUnlimitedIsAnExplicitChoice() throws Exception {
        Cli bad = run("auto", "version: 1\nsandbox:\n  disk: lots\n", "true");
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.err).contains("sandbox.disk").contains("is not a size");
        Cli unlimited = run("copy", "version: 1\nsandbox:\n  disk: unlimited\n", "echo 'x = 1' > /workspace/new.py");
        assertThat(unlimited.exitCode).as(unlimited.toString()).isZero();
        assertThat(Files.readString(tmp.resolve("bundle-copy/audit.jsonl"))).contains("sandbox.disk: unlimited");
    }
}
