package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's own configuration, named with --config inside the repository (the action's config
 * input): read as the base commit has it, never from the working tree, and protected like
 * .agent-sandbox.yml, so that an agent that turns the secret scan off in it fails the policy gate.
 */
class ConfigInRepositoryIT {
    @TempDir
    Path tmp;

    @Test
    void aConfigurationFileInTheRepositoryIsTheBaseCommitsAndProtected() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cfg = repo.dir.resolve("ci/agent-sandbox.yml");
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, Files.readString(repo.dir.resolve(".agent-sandbox.yml")));
        try (Git g = Git.open(repo.dir.toFile())) {
            g.add().addFilepattern(".").call();
            g.commit().setMessage("ci config").setAuthor("d", "d@x").setCommitter("d", "d@x").setSign(false).call();
        }
        // the working tree's copy differs from the commit: it is not what the run reads
        Files.writeString(cfg, "not: [valid\n");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "turn the scan off", "--image", TestHost.IMAGE,
                "--config", cfg.toString(), "--bundle", tmp.resolve("bundle").toString(), "--quiet",
                "--command", "printf 'secrets:\\n  enabled: false\\nmerge:\\n  allow-override: true\\n' >> ci/agent-sandbox.yml;"
                        + " printf 'def multiply(a, b):\\n    return a * b\\n' >> calc.py");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("ci/agent-sandbox.yml");
        assertThat(Files.readString(tmp.resolve("bundle/gates.json"))).contains("ci/agent-sandbox.yml").contains("protected");

        Path uncommitted = repo.dir.resolve("ci/other.yml");
        Files.writeString(uncommitted, "version: 1\n");
        Cli missing = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--config", uncommitted.toString(), "--bundle", tmp.resolve("bundle2").toString(), "--quiet");
        assertThat(missing.exitCode).isEqualTo(2);
        assertThat(missing.err).contains("is inside the repository but not in the base commit");
    }
}
