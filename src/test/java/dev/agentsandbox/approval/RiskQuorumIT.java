package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Risk tiers decide the approvals a run needs; merge waits for the quorum; a rejection by anyone ends it. */
class RiskQuorumIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    Path key;
    Path bundle;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        key = tmp.resolve("k");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
        bundle = tmp.resolve("bundle");
    }

    Cli run(String script, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--repo", repo.dir.toString(), "--task", "change", "--image", TestHost.IMAGE,
                "--command", script, "--bundle", bundle.toString(), "--signing-key", key + ".key", "--push", "origin", "--quiet"));
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    Cli cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--run", bundle.toString(), "--key", key + ".pub", "--signing-key", key + ".key"));
        return Cli.run(a.toArray(String[]::new));
    }

    JsonNode runJson() throws Exception {
        return new ObjectMapper().readTree(bundle.resolve("run.json").toFile());
    }

    ObjectId remoteMain() throws Exception {
        try (Git g = Git.open(repo.remote.toFile())) {
            return g.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId();
        }
    }

    @Test
    void aCriticalChangeNeedsTwoDistinctApproversBeforeItMerges() throws Exception {
        Cli r = run("mkdir -p db/migrations && echo 'ALTER TABLE users ADD COLUMN admin boolean;' > db/migrations/002_admin.sql",
                "--requested-by", "carol");
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(runJson().at("/risk/tier").asText()).isEqualTo("critical");
        assertThat(runJson().at("/approval/approvers").asInt()).isEqualTo(2);
        assertThat(Files.readString(bundle.resolve("reports/summary.md"))).contains("Risk tier: critical");
        ObjectId before = remoteMain();

        Cli self = cli("approve", "--by", "carol");
        assertThat(self.exitCode).isEqualTo(4);
        assertThat(self.err).contains("carol asked for this run and may not approve it");

        Cli first = cli("approve", "--by", "alice");
        assertThat(first.exitCode).as(first.toString()).isZero();
        assertThat(first.out).contains("1 of 2 approval(s) for a critical change (alice)");
        Cli early = cli("merge");
        assertThat(early.exitCode).isEqualTo(4);
        assertThat(early.err).contains("not enough approvals: 1 of 2").contains("1 more from another person (not carol");
        assertThat(cli("approve", "--by", "alice").out).as("the same person twice counts once").contains("1 of 2");
        assertThat(cli("merge").exitCode).isEqualTo(4);
        assertThat(remoteMain()).isEqualTo(before);

        Cli second = cli("approve", "--by", "bob");
        assertThat(second.out).contains("2 of 2 approval(s)");
        Cli m = cli("merge");
        assertThat(m.exitCode).as(m.toString()).isZero();
        assertThat(remoteMain().name()).isEqualTo(runJson().get("headCommit").asText());
        Cli v = Cli.run("verify", "--run", bundle.toString(), "--key", key + ".pub");
        assertThat(v.exitCode).as(v.toString()).isZero();
        assertThat(Files.readString(bundle.resolve("audit.jsonl"))).contains("\"approvedBy\":[\"alice\",\"bob\"]");
    }

    @Test
    void aRejectionByAnyoneEndsTheRun() throws Exception {
        assertThat(run("mkdir -p db/migrations && echo 'DROP TABLE t;' > db/migrations/003.sql").exitCode).isZero();
        assertThat(cli("approve", "--by", "alice").exitCode).isZero();
        assertThat(cli("reject", "--by", "dave", "--comment", "no drops").exitCode).isZero();
        assertThat(cli("approve", "--by", "bob").err).contains("rejected by dave");
        Cli m = cli("merge");
        assertThat(m.exitCode).isEqualTo(4);
        assertThat(m.err).contains("rejected by dave");
    }

    @Test
    void docsOnlyIsLowAndConfiguredRulesAndQuorumsApply() throws Exception {
        assertThat(run("echo 'more docs' >> README.md").exitCode).isZero();
        assertThat(runJson().at("/risk/tier").asText()).isEqualTo("low");
        assertThat(runJson().at("/approval/approvers").asInt()).isEqualTo(1);
        Files.walk(bundle).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                risk:
                  rules:
                    - tier: critical
                      paths: ["**/*.py"]
                      content: ["subprocess|os\\\\.system"]
                approval:
                  critical: { approvers: 3, allowed: [alice, bob, erin] }
                """);
        assertThat(run("echo 'import os; os.system(\"ls\")' >> calc.py", "--config", cfg.toString()).exitCode).isZero();
        assertThat(runJson().at("/risk/tier").asText()).isEqualTo("critical");
        assertThat(runJson().at("/approval/approvers").asInt()).isEqualTo(3);
        Cli stranger = cli("approve", "--by", "mallory");
        assertThat(stranger.exitCode).isEqualTo(4);
        assertThat(stranger.err).contains("mallory is not among those allowed to approve a critical change");
    }
}
