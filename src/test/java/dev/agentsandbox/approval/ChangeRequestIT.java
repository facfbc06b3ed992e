package dev.agentsandbox.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.ForgeStandIn;
import dev.agentsandbox.testing.SignedRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery for protected branches, through the CLI as CI runs it (a child JVM with the job's
 * variables), against a contract stand-in of each forge's REST API on loopback backed by a real bare
 * remote (see {@link ForgeStandIn}; no forge runs here): the request is opened with the run's
 * summary, counts only approvals of the run's commit, merges only while its head is that commit,
 * and the merge is signed into the bundle.
 */
class ChangeRequestIT {
    private static final String TOKEN = "forge-token-do-not-print-0123456789";

    @TempDir
    Path tmp;

    /** The CLI in a child JVM, with these variables added to its environment. */
    private static Cli cli(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target/agent-sandbox.jar").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().remove("GITHUB_ACTIONS");
        pb.environment().remove("GITLAB_CI");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        int code = p.waitFor();
        return Cli.of(code, new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** Pushes a commit onto a branch of the remote, as someone updating the request after the run. */
    private static void pushOnto(Path remote, String branch) throws Exception {
        try (Git g = Git.open(remote.toFile()); RevWalk rw = new RevWalk(g.getRepository()); ObjectInserter ins = g.getRepository().newObjectInserter()) {
            RevCommit tip = rw.parseCommit(g.getRepository().exactRef(Constants.R_HEADS + branch).getObjectId());
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tip.getTree());
            cb.setParentId(tip);
            PersonIdent who = new PersonIdent("Someone", "someone@example.invalid");
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage("sneak in\n");
            ObjectId c = ins.insert(cb);
            ins.flush();
            RefUpdate ru = g.getRepository().updateRef(Constants.R_HEADS + branch);
            ru.setNewObjectId(c);
            ru.setExpectedOldObjectId(tip);
            assertThat(ru.update(rw)).isEqualTo(RefUpdate.Result.FAST_FORWARD);
        }
    }

    @Test
    void aGithubPullRequestMergesOnlyTheApprovedHeadWithTheQuorumMet() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        var json = new ObjectMapper().readTree(run.bundle.resolve("run.json").toFile());
        String head = json.path("headCommit").asText();
        String branch = json.path("featureBranch").asText();
        try (ForgeStandIn forge = new ForgeStandIn(run.repo.remote)) {
            Map<String, String> env = Map.of("GITHUB_TOKEN", TOKEN);
            // the run's repository is its remote, /tmp/<dir>/remote.git: the forge's project must be exactly that one
            String[] common = {"--run", run.bundle.toString(), "--forge", "github", "--api", forge.url(), "--project", tmp.getFileName() + "/remote",
                "--key", run.key + ".pub"};
            Cli opened = cli(env, concat(new String[] {"pr", "open", "--repo", run.repo.dir.toString(), "--remote", "origin"}, common));
            assertThat(opened.exitCode).as(opened.toString()).isZero();
            assertThat(opened.out).contains("opened pull request 1").contains("number=1");
            assertThat(run.remoteHead(branch)).isEqualTo(ObjectId.fromString(head));
            assertThat(run.remoteHead("main")).isNotEqualTo(ObjectId.fromString(head));

            String[] merge = concat(new String[] {"pr", "merge", "--number", "1", "--signing-key", run.key + ".key", "--repo", run.repo.dir.toString()}, common);
            Cli none = cli(env, merge);
            assertThat(none.exitCode).as(none.toString()).isEqualTo(4);
            assertThat(none.err).contains("not enough approvals: 0 of 1");

            // an approval of another commit does not count
            forge.review(1, "mallory", "APPROVED", run.repo.head("main").name());
            Cli stale = cli(env, merge);
            assertThat(stale.exitCode).isEqualTo(4);
            assertThat(stale.err).contains("mallory (approved another commit)");

            forge.review(1, "bob", "APPROVED", head);
            Cli merged = cli(env, merge);
            assertThat(merged.exitCode).as(merged.toString()).isZero();
            try (Git g = Git.open(run.repo.remote.toFile()); RevWalk rw = new RevWalk(g.getRepository())) {
                RevCommit landed = rw.parseCommit(g.getRepository().exactRef(Constants.R_HEADS + "main").getObjectId());
                assertThat(landed.getParentCount()).isEqualTo(2);
                assertThat(landed.getParent(1).name()).as("the approved commit, and nothing else").isEqualTo(head);
            }
            Cli verify = Cli.run("verify", "--run", run.bundle.toString(), "--key", run.key + ".pub");
            assertThat(verify.exitCode).as(verify.toString()).isZero();
            assertThat(verify.out).contains("merge attestation");
            assertThat(Files.readString(run.bundle.resolve("audit.jsonl"))).contains("\"approvedBy\":[\"bob\"]").contains("pull request");
            assertThat(opened.all() + none.all() + stale.all() + merged.all()).doesNotContain(TOKEN);
            assertThat(forge.violations).isEmpty();
        }
    }

    @Test
    void aGitlabMergeRequestWhoseHeadMovedAfterTheRunIsNeverMerged() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        String branch = new ObjectMapper().readTree(run.bundle.resolve("run.json").toFile()).path("featureBranch").asText();
        try (ForgeStandIn forge = new ForgeStandIn(run.repo.remote)) {
            Map<String, String> env = Map.of("GITLAB_TOKEN", TOKEN);
            String[] common = {"--run", run.bundle.toString(), "--forge", "gitlab", "--api", forge.url() + "/api/v4", "--project", tmp.getFileName() + "/remote",
                "--key", run.key + ".pub"};
            Cli opened = cli(env, concat(new String[] {"pr", "open", "--repo", run.repo.dir.toString()}, common));
            assertThat(opened.exitCode).as(opened.toString()).isZero();
            assertThat(opened.out).contains("opened merge request 1");
            forge.review(1, "carol", "APPROVED", null);
            // GitLab's approvals name no commit: they count only where the project drops them when commits are added
            forge.resetApprovalsOnPush = false;
            Cli kept = cli(env, concat(new String[] {"pr", "merge", "--number", "1", "--signing-key", run.key + ".key", "--repo", run.repo.dir.toString()}, common));
            assertThat(kept.exitCode).as(kept.toString()).isEqualTo(4);
            assertThat(kept.err).contains("not enough approvals: 0 of 1").contains("carol (this project keeps approvals when commits are added");
            forge.resetApprovalsOnPush = true;
            ObjectId mainBefore = run.remoteHead("main");
            pushOnto(run.repo.remote, branch);
            Cli refused = cli(env, concat(new String[] {"pr", "merge", "--number", "1", "--signing-key", run.key + ".key", "--repo", run.repo.dir.toString()}, common));
            assertThat(refused.exitCode).as(refused.toString()).isEqualTo(4);
            assertThat(refused.err).contains("a commit was pushed after the run");
            assertThat(run.remoteHead("main")).isEqualTo(mainBefore);
            assertThat(forge.requests).noneMatch(r -> r.endsWith("/merge"));
            assertThat(forge.violations).isEmpty();
        }
    }

    @Test
    void withoutAToken_theCommandSaysWhichVariableToSet() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        Cli r = cli(Map.of("GITHUB_TOKEN", "", "AGENT_SANDBOX_FORGE_TOKEN", ""), "pr", "open", "--run", run.bundle.toString(), "--forge", "github",
                "--project", "acme/calc", "--key", run.key + ".pub", "--repo", run.repo.dir.toString());
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains("AGENT_SANDBOX_FORGE_TOKEN");
    }

    /**
     * pr merge, attacked the ways a review found: reviews past the first page, an approval that names
     * no commit, a deleted account, the requester under another case, another project named on the
     * command line, and a run whose gates failed. Each is refused or not counted; nothing lands.
     */
    @Test
    void prMergeCountsOnlyApprovalsOfThisRunsCommitInThisProject() throws Exception {
        SignedRun run = SignedRun.create(tmp, "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py");
        String head = new ObjectMapper().readTree(run.bundle.resolve("run.json").toFile()).path("headCommit").asText();
        try (ForgeStandIn forge = new ForgeStandIn(run.repo.remote)) {
            Map<String, String> env = Map.of("GITHUB_TOKEN", TOKEN);
            String[] common = {"--run", run.bundle.toString(), "--forge", "github", "--api", forge.url(), "--project", tmp.getFileName() + "/remote",
                "--key", run.key + ".pub"};
            assertThat(cli(env, concat(new String[] {"pr", "open", "--repo", run.repo.dir.toString(), "--remote", "origin"}, common)).exitCode).isZero();
            String[] merge = concat(new String[] {"pr", "merge", "--number", "1", "--signing-key", run.key + ".key", "--repo", run.repo.dir.toString()}, common);

            // another project on the command line: refused before any review is read
            Cli foreign = cli(env, concat(new String[] {"pr", "merge", "--number", "1", "--signing-key", run.key + ".key", "--repo", run.repo.dir.toString()},
                    new String[] {"--run", run.bundle.toString(), "--forge", "github", "--api", forge.url(), "--project", "someone-else/remote",
                        "--key", run.key + ".pub"}));
            assertThat(foreign.exitCode).as(foreign.toString()).isEqualTo(4);
            assertThat(foreign.err).contains("not in the pull request's project 'someone-else/remote'");

            // bob approves the run's commit on page 1, then requests changes on page 2: he no longer approves
            forge.review(1, "bob", "APPROVED", head);
            for (int i = 0; i < 120; i++) {
                forge.review(1, "watcher" + i, "COMMENTED", head);
            }
            forge.review(1, "Bob", "CHANGES_REQUESTED", head);
            // an approval with no commit, and one by a deleted account (user: null)
            forge.rawReview(1, (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(
                    "{\"id\":1,\"user\":{\"login\":\"nullsy\"},\"state\":\"APPROVED\",\"commit_id\":null,\"author_association\":\"MEMBER\",\"submitted_at\":\"" + java.time.Instant.now() + "\"}"));
            forge.rawReview(1, (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(
                    "{\"id\":2,\"user\":null,\"state\":\"APPROVED\",\"commit_id\":\"" + head + "\",\"submitted_at\":\"" + java.time.Instant.now() + "\"}"));
            // an approval older than the run
            forge.review(1, "olde", "APPROVED", head, "2020-01-01T00:00:00Z");
            Cli blocked = cli(env, merge);
            assertThat(blocked.exitCode).as(blocked.toString()).isEqualTo(4);
            assertThat(blocked.err).as("Bob's latest word, on page 2, asks for changes").contains("Bob asked for changes on the pull request");
            forge.review(1, "bob", "APPROVED", "0".repeat(40)); // bob's latest: an approval of another commit
            // anyone can review a public repository: a stranger's approval is not the project's
            forge.rawReview(1, (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(
                    "{\"id\":3,\"user\":{\"login\":\"drive-by\"},\"state\":\"APPROVED\",\"commit_id\":\"" + head
                    + "\",\"author_association\":\"NONE\",\"submitted_at\":\"" + java.time.Instant.now() + "\"}"));
            Cli refused = cli(env, merge);
            assertThat(refused.exitCode).as(refused.toString()).isEqualTo(4);
            assertThat(refused.err).contains("not enough approvals: 0 of 1").contains("nullsy (names no commit)")
                    .contains("olde (made before the run began)").contains("drive-by (not an owner, member or collaborator")
                    .contains("bob (approved another commit)");
            assertThat(forge.requests).anyMatch(r -> r.contains("/reviews")).noneMatch(r -> r.endsWith("/merge"));
            assertThat(forge.violations).isEmpty();
        }

        // a run whose gates failed, under merge.allow-override: false (the default): pr merge refuses it
        Path other = Files.createTempDirectory(Path.of("/tmp"), "failed-run-");
        SignedRun failed = SignedRun.createFailing(other, "echo '# x' >> .github/workflows/ci.yml");
        try (ForgeStandIn forge = new ForgeStandIn(failed.repo.remote)) {
            Cli r = cli(Map.of("GITHUB_TOKEN", TOKEN), "pr", "merge", "--number", "1", "--signing-key", failed.key + ".key", "--run",
                    failed.bundle.toString(), "--forge", "github", "--api", forge.url(), "--project", other.getFileName() + "/remote", "--key", failed.key + ".pub",
                    "--repo", failed.repo.dir.toString());
            assertThat(r.exitCode).as(r.toString()).isEqualTo(4);
            assertThat(r.err).contains("failed; the policy does not allow merging over them");
            assertThat(forge.requests).isEmpty();
        } finally {
            dev.agentsandbox.workspace.Folders.delete(other);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
