package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plan first: the agent plans, people approve the plan, and the change that follows carries the plan's digest. */
class PlanFirstIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    Path key;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        key = tmp.resolve("k");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
    }

    Cli run(String bundle, String script, String... extra) {
        var a = new java.util.ArrayList<>(java.util.List.of("run", "--repo", repo.dir.toString(), "--task", "migrate the users table",
                "--image", TestHost.IMAGE, "--command", script, "--bundle", tmp.resolve(bundle).toString(), "--signing-key", key + ".key", "--quiet"));
        a.addAll(java.util.List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    Cli decide(String verb, String bundle, String by) {
        return Cli.run(verb, "--run", tmp.resolve(bundle).toString(), "--by", by, "--key", key + ".pub", "--signing-key", key + ".key");
    }

    @Test
    void anApprovedPlanIsCarriedOutAndBound() throws Exception {
        Cli p = run("plan", "printf '1. add column\\n2. backfill\\n' > PLAN.md; echo stray > other.txt", "--plan");
        assertThat(p.exitCode).as(p.toString()).isZero();
        assertThat(p.out).contains("the plan (plan.md) awaits approval");
        JsonNode planRun = new ObjectMapper().readTree(tmp.resolve("plan/run.json").toFile());
        assertThat(planRun.get("kind").asText()).isEqualTo("plan");
        assertThat(planRun.get("headCommit").isNull()).isTrue();
        assertThat(Files.readString(tmp.resolve("plan/plan.md"))).isEqualTo("1. add column\n2. backfill\n");

        Cli early = run("early", "cat \"$AGENT_PLAN_FILE\" > DONE.txt", "--plan-from", tmp.resolve("plan").toString());
        assertThat(early.exitCode).isEqualTo(4);
        assertThat(early.err).contains("the plan is not approved yet: 0 of 2");

        assertThat(decide("approve", "plan", "alice").out).contains("1 of 2");
        assertThat(decide("approve", "plan", "bob").out).contains("2 of 2");
        assertThat(Cli.run("merge", "--run", tmp.resolve("plan").toString(), "--key", key + ".pub").err).contains("a plan is not merged");

        // without the plan's key, its bundle would vouch for itself: refused
        Cli unkeyed = Cli.run("run", "--repo", repo.dir.toString(), "--task", "migrate the users table", "--image", TestHost.IMAGE,
                "--command", "true", "--bundle", tmp.resolve("unkeyed").toString(), "--plan-from", tmp.resolve("plan").toString(), "--quiet");
        assertThat(unkeyed.exitCode).isEqualTo(2);
        assertThat(unkeyed.err).contains("needs the signing key the plan was signed with");
        // approved for "migrate the users table": never carried out for another task
        Cli other = Cli.run("run", "--repo", repo.dir.toString(), "--task", "remove the authentication check", "--image", TestHost.IMAGE,
                "--command", "true", "--bundle", tmp.resolve("other").toString(), "--signing-key", key + ".key",
                "--plan-from", tmp.resolve("plan").toString(), "--quiet");
        assertThat(other.exitCode).isEqualTo(4);
        assertThat(other.err).contains("that plan was approved for another task");
        Cli exec = run("exec", "cat \"$AGENT_PLAN_FILE\" > DONE.txt", "--plan-from", tmp.resolve("plan").toString());
        assertThat(exec.exitCode).as(exec.toString()).isZero();
        // and used once
        Cli again = run("again", "cat \"$AGENT_PLAN_FILE\" > DONE.txt", "--plan-from", tmp.resolve("plan").toString());
        assertThat(again.exitCode).isEqualTo(4);
        assertThat(again.err).contains("was carried out already").contains("a plan is used once");
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("exec/run.json").toFile());
        String digest = dev.agentsandbox.bundle.BundleSnapshot.sha256(Files.readAllBytes(tmp.resolve("plan/plan.md")));
        assertThat(run.at("/plan/sha256").asText()).isEqualTo(digest);
        assertThat(repo.fileAt(run.get("headCommit").asText(), "DONE.txt")).isEqualTo("1. add column\n2. backfill\n");
        JsonNode env = new ObjectMapper().readTree(tmp.resolve("exec/attestation/gates.dsse.json").toFile());
        String statement = new String(java.util.Base64.getDecoder().decode(env.get("payload").asText()));
        assertThat(statement).contains("\"planSha256\" : \"" + digest + "\"");
    }

    @Test
    void aRejectedPlanCannotBeCarriedOut() throws Exception {
        assertThat(run("plan", "echo 'drop everything' > PLAN.md", "--plan").exitCode).isZero();
        assertThat(decide("reject", "plan", "carol").exitCode).isZero();
        String planRun = new ObjectMapper().readTree(tmp.resolve("plan/run.json").toFile()).get("runId").asText();
        try (var g = org.eclipse.jgit.api.Git.open(repo.dir.toFile())) {
            assertThat(g.getRepository().exactRef("refs/tags/agent-sandbox/rejected/" + planRun)).as("a plan's rejection is recorded like a run's").isNotNull();
        }
        Cli exec = run("exec", "true", "--plan-from", tmp.resolve("plan").toString());
        assertThat(exec.exitCode).isEqualTo(4);
        assertThat(exec.err).contains("rejected by carol");
        Cli none = run("none", "true", "--plan");
        assertThat(none.exitCode).isEqualTo(1);
        assertThat(none.out).contains("no-plan");
    }
}
