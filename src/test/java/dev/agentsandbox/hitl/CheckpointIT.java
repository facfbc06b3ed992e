package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent asks before a dangerous action; a person answers on the host; no answer is a rejection. */
class CheckpointIT {
    static final String ASK = """
            python3 - <<'PY'
            import json, os, urllib.request
            body = json.dumps({"action": "rm -rf build/ \\u001b[2J", "risk": "high", "detail": "clean before release"}).encode()
            req = urllib.request.Request(os.environ["AGENT_SANDBOX_URL"] + "/v1/checkpoints", data=body, headers={"content-type": "application/json"})
            answer = json.load(urllib.request.urlopen(req, timeout=600))
            open("ANSWER.txt", "w").write(answer["decision"] + " by " + answer["by"] + ": " + answer["comment"] + "\\n")
            PY
            """;

    @TempDir
    Path tmp;
    SampleRepo repo;
    Path bundle;

    Path key;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        bundle = tmp.resolve("bundle");
        key = tmp.resolve("k");
        assertThat(Cli.run("keygen", "--out", key.toString()).exitCode).isZero();
    }

    CompletableFuture<Cli> start(String timeout) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "version: 1\ncheckpoints:\n  enabled: true\n  timeout: " + timeout + "\n");
        return CompletableFuture.supplyAsync(() -> Cli.run("run", "--repo", repo.dir.toString(), "--task", "release", "--image", TestHost.IMAGE,
                "--command", ASK, "--config", cfg.toString(), "--bundle", bundle.toString(), "--signing-key", key + ".key",
                "--requested-by", "Mallory", "--quiet"));
    }

    String awaitPending() throws Exception {
        String pending = "";
        for (int i = 0; i < 300 && !pending.contains("cp-1"); i++) {
            Thread.sleep(200);
            if (Files.exists(bundle.resolve("run.json"))) {
                pending = Cli.run("checkpoint", "list", "--run", bundle.toString()).out;
            }
        }
        return pending;
    }

    /**
     * Answers only the host can give: a file planted before the question, an unsigned answer written
     * into the bundle, and one signed with another key are rejected; the requester cannot answer.
     */
    @Test
    void anAnswerThatIsNotTheHostsIsRejected() throws Exception {
        // planted as soon as the bundle exists, before (or just after) the question: never a valid answer
        // (before it, the question clears it and times out unanswered; after it, it does not count)
        CompletableFuture<Cli> run = start("5s");
        for (int i = 0; i < 300 && !Files.exists(bundle.resolve("run.json")); i++) {
            Thread.sleep(50);
        }
        Path dir = Files.createDirectories(bundle.resolve("checkpoints"));
        Files.writeString(dir.resolve("cp-1.answer.json"), "{\"decision\":\"approved\",\"by\":\"alice (CISO)\",\"comment\":\"planted\"}");
        assertThat(run.get(120, TimeUnit.SECONDS).exitCode).isZero();
        assertThat(answerSeen()).startsWith("rejected by agent-sandbox: ").doesNotContain("planted");

        // the requester, under another case, with the right key
        bundle = Files.createDirectories(tmp.resolve("second")).resolve("bundle");
        CompletableFuture<Cli> self = start("5m");
        assertThat(awaitPending()).startsWith("cp-1\tpending");
        assertThat(Cli.run("checkpoint", "approve", "--run", bundle.toString(), "--id", "cp-1", "--by", "MALLORY", "--signing-key", key + ".key")
                .exitCode).isZero(); // written; the run judges it
        assertThat(self.get(120, TimeUnit.SECONDS).exitCode).isZero();
        assertThat(answerSeen()).contains("mallory asked for this run");

        // another key's signature
        Path other = tmp.resolve("other");
        Cli.run("keygen", "--out", other.toString());
        bundle = Files.createDirectories(tmp.resolve("third")).resolve("bundle");
        CompletableFuture<Cli> forged = start("5m");
        assertThat(awaitPending()).startsWith("cp-1\tpending");
        assertThat(Cli.run("checkpoint", "approve", "--run", bundle.toString(), "--id", "cp-1", "--by", "alice").err)
                .as("an answer needs the signing key").contains("pass --signing-key");
        assertThat(Cli.run("checkpoint", "approve", "--run", bundle.toString(), "--id", "cp-1", "--by", "alice", "--signing-key", other + ".key")
                .exitCode).isZero();
        assertThat(forged.get(120, TimeUnit.SECONDS).exitCode).isZero();
        assertThat(answerSeen()).contains("its signature is not the run's signing key's");
    }

    String answerSeen() throws Exception {
        String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bundle.resolve("run.json").toFile()).get("headCommit").asText();
        return repo.fileAt(head, "ANSWER.txt");
    }

    @Test
    void anAnswerOnTheHostReachesTheAgent() throws Exception {
        CompletableFuture<Cli> run = start("5m");
        String pending = awaitPending();
        assertThat(pending).startsWith("cp-1\tpending\thigh\trm -rf build/ \\e[2J\tclean before release");
        Cli a = Cli.run("checkpoint", "approve", "--run", bundle.toString(), "--id", "cp-1", "--by", "alice", "--comment", "go ahead",
                "--signing-key", key + ".key");
        assertThat(a.exitCode).as(a.toString()).isZero();
        assertThat(Cli.run("checkpoint", "reject", "--run", bundle.toString(), "--id", "cp-1", "--by", "bob", "--signing-key", key + ".key").exitCode)
                .as("one answer per checkpoint").isEqualTo(4);
        Cli r = run.get(120, TimeUnit.SECONDS);
        assertThat(r.exitCode).as(r.toString()).isZero();
        String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bundle.resolve("run.json").toFile()).get("headCommit").asText();
        assertThat(repo.fileAt(head, "ANSWER.txt")).isEqualTo("approved by alice: go ahead\n");
        String audit = Files.readString(bundle.resolve("audit.jsonl"));
        assertThat(audit).contains("\"stage\":\"checkpoint\",\"event\":\"asked\"").contains("\"stage\":\"checkpoint\",\"event\":\"answered\"");
        assertThat(Cli.run("verify", "--run", bundle.toString(), "--key", key + ".pub").exitCode).isZero();
    }

    @Test
    void anUnansweredCheckpointIsRejectedAtItsTimeout() throws Exception {
        Cli r = start("3s").get(120, TimeUnit.SECONDS);
        assertThat(r.exitCode).as(r.toString()).isZero();
        String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bundle.resolve("run.json").toFile()).get("headCommit").asText();
        assertThat(repo.fileAt(head, "ANSWER.txt")).startsWith("rejected by agent-sandbox: no answer within 3 s");
        assertThat(Cli.run("checkpoint", "list", "--run", bundle.toString(), "--all").out).contains("cp-1\trejected");
    }
}
