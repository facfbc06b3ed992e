package dev.agentsandbox.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.RunnerUser;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The runner's checkout as the base, through the CLI, as the runner's own user: the checkout is
 * cloned by that user with the git CLI, as a checkout step makes it, and left with what CI jobs
 * leave in it (the token actions/checkout persists in .git/config, a .env, build output, an
 * ignored log, an untracked folder). The agent and the checks stand on it and see none of that;
 * the checkout is never written; a checkout that is not the base tree is exported instead.
 */
class CheckoutBaseIT {
    private static final String TOKEN = "ghs_plantedCheckoutToken0123456789";
    private static final String AWS = "wJalrXUtnFEMIplantedK7MDENGbPxRfiCYEXAMPLEKEY";
    /** Logs are redacted, so what the agent could read is marked with words no redaction touches. */
    private static final String MARK_CONFIG = "gitconfig-leftover-91c2";
    private static final String MARK_ENV = "dotenv-leftover-7f3a";
    /** The agent looks for everything a checkout holds, and changes one file. */
    private static final String AGENT = "ls -la; find . | sort; cat .git/config .env build/out.txt ci.log 2>&1;"
            + " grep -rs leftover- /workspace /run /tmp /home /root /etc | head -3; id -u; echo 'def sub(a, b): return a - b' >> calc.py";
    /** The check fails if it sees anything the checkout holds besides the tree. */
    private static final String CHECK = "[\"sh\", \"-c\", \"test ! -e .git && test ! -e .env && test ! -e build && test ! -e ci.log"
            + " && test ! -e notes && grep -q sub calc.py && id -u && echo check-saw-only-the-tree\"]";

    @ParameterizedTest
    @EnumSource(value = RunnerUser.class, names = {"GITHUB_HOSTED", "NO_SUDO"})
    void theAgentAndTheChecksStandOnTheCheckoutAndSeeNothingCiLeftInIt(RunnerUser user) throws Exception {
        inCheckout(user, "checkout-base", (root, checkout, cfg) -> {
            String before = tree(user, checkout);
            var run = run(user, root, checkout, cfg, "b");
            String agentLog = Files.readString(root.resolve("b/logs/agent.log"));
            String checkLog = Files.readString(root.resolve("b/reports/checks/tests.log"));
            assertThat(run.exitCode()).as(run.out() + agentLog + checkLog).isZero();
            assertThat(run.out()).contains("the agent stands on the runner's checkout").contains("it runs as the checkout's owner");
            String uid = user.exec(List.of("id", "-u"), root, Map.of()).out().strip();
            assertThat(agentLog).contains("calc.py").contains("\n" + uid + "\n")
                    .doesNotContain(MARK_CONFIG).doesNotContain(MARK_ENV).doesNotContain("./build").doesNotContain("./notes")
                    .doesNotContain("./ci.log").doesNotContain("./__pycache__").doesNotContain("./.env").doesNotContain("./.git\n");
            assertThat(agentLog).containsPattern("cat: \\.git/config: No such file").containsPattern("cat: \\.env: No such file");
            assertThat(checkLog).contains("check-saw-only-the-tree").contains(uid);
            // The checkout is as it was, byte for byte; the change is on the feature branch.
            assertThat(tree(user, checkout)).isEqualTo(before);
            var diff = user.exec(List.of("git", "-C", checkout.toString(), "diff", "--stat", "main", "--", "."), root, Map.of());
            assertThat(diff.out()).isEmpty();
            var branch = user.exec(List.of("git", "-C", checkout.toString(), "log", "--all", "--format=%s", "-p", "--", "calc.py"), root, Map.of());
            assertThat(branch.out()).contains("+def sub(a, b)");
        });
    }

    @ParameterizedTest
    @EnumSource(value = RunnerUser.class, names = {"GITHUB_HOSTED"})
    void aCheckoutThatIsNotTheBaseTreeIsExportedAndTheAgentSeesTheBase(RunnerUser user) throws Exception {
        inCheckout(user, "checkout-dirty", (root, checkout, cfg) -> {
            // A step before the agent changed a tracked file: the base is the commit, not this file.
            user.exec(List.of("sh", "-c", "echo 'SECRET_FROM_A_STEP = 1' >> calc.py"), checkout, Map.of());
            var run = run(user, root, checkout, cfg, "b");
            String agentLog = Files.readString(root.resolve("b/logs/agent.log"));
            assertThat(run.exitCode()).as(run.out() + agentLog).isZero();
            assertThat(run.out()).contains("the runner's checkout is not the base tree as it stands: calc.py differs from the base commit;"
                    + " the base is exported instead");
            assertThat(agentLog).doesNotContain("SECRET_FROM_A_STEP").doesNotContain(MARK_CONFIG).doesNotContain(MARK_ENV)
                    .contains("\n65534\n");
            assertThat(Files.readString(checkout.resolve("calc.py"))).contains("SECRET_FROM_A_STEP"); // left as it was
        });
    }

    @ParameterizedTest
    @EnumSource(value = RunnerUser.class, names = {"GITHUB_HOSTED"})
    void aCheckoutWrittenWhileTheAgentRunsStopsTheRunAndCommitsNothing(RunnerUser user) throws Exception {
        inCheckout(user, "checkout-live", (root, checkout, cfg) -> {
            // A step left a process running that writes into the checkout, as `docker compose up -d` with a bind mount would.
            // It writes once the run has examined the checkout (the hiding layer's .git whiteout is made last).
            Path scratch = root.resolve("scratch");
            Process late = user.start(List.of("sh", "-c", "until find " + scratch + " -path '*checkout-layer/.git' 2>/dev/null | grep -q .;"
                    + " do sleep 0.1; done; sleep 1; echo 'written while the agent ran' > tests/late.txt"), checkout,
                    Map.of(), ProcessBuilder.Redirect.DISCARD);
            String cli = Path.of("bin/agent-sandbox").toAbsolutePath().toString();
            var run = user.exec(List.of(cli, "run", "--repo", checkout.toString(), "--task", "slow", "--image", TestHost.IMAGE,
                    "--command", "sleep 8; echo 'def sub(a, b): return a - b' >> calc.py", "--config", cfg.toString(),
                    "--bundle", root.resolve("b").toString(), "--quiet"), root, Map.of("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"),
                    "AGENT_SANDBOX_SCRATCH", scratch.toString()));
            if (!late.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                late.destroyForcibly();
            }
            assertThat(run.exitCode()).as(run.out()).isNotZero();
            assertThat(run.out()).contains("the runner's checkout changed while the agent ran (tests changed)").contains("nothing is committed");
            var branches = user.exec(List.of("git", "-C", checkout.toString(), "branch", "--list", "agent/*"), root, Map.of());
            assertThat(branches.out()).isBlank();
        });
    }

    interface InCheckout {
        void run(Path root, Path checkout, Path cfg) throws Exception;
    }

    /** Runs a test as the user, in a folder of theirs holding their clone and the run's configuration, removed afterwards. */
    private static void inCheckout(RunnerUser user, String prefix, InCheckout test) throws Exception {
        user.requirePresent();
        Path root = user.newFolder(prefix);
        try {
            test.run(root, cloneAsRunner(user, root), config(user, root));
        } finally {
            RunnerUser.remove(root);
        }
    }

    /** A clone by the runner's user, with what CI jobs leave in a checkout. */
    private static Path cloneAsRunner(RunnerUser user, Path root) throws Exception {
        SampleRepo sample = SampleRepo.create(root.resolve("origin"));
        user.own(root);
        Path checkout = root.resolve("checkout");
        exec(user, root, "git", "clone", "-q", sample.remote.toString(), checkout.toString());
        // actions/checkout persists the job's token like this
        exec(user, checkout, "git", "config", "--local", "http.https://forge.invalid/.extraheader", "AUTHORIZATION: basic " + TOKEN);
        exec(user, checkout, "git", "config", "--local", "agentsandbox.planted", MARK_CONFIG);
        exec(user, checkout, "sh", "-c", "printf 'AWS_SECRET_ACCESS_KEY=" + AWS + "\\nMARK=" + MARK_ENV + "\\n' > .env && mkdir -p build notes/deep && echo x > build/out.txt"
                + " && echo log > ci.log && echo n > notes/deep/n.txt && mkdir -p __pycache__ && echo c > __pycache__/calc.pyc");
        return checkout;
    }

    private static Path config(RunnerUser user, Path root) throws Exception {
        Path cfg = root.resolve("cfg.yml");
        // A user without sudo gets no disk quota and no process log (docs/hosts.md), as its CI would configure.
        String controls = user == RunnerUser.NO_SUDO ? "sandbox: { disk: unlimited, process-log: false }\n" : "";
        Files.writeString(cfg, controls + """
                version: 1
                agent: { identity: { name: a, email: a@agent-sandbox.invalid } }
                checks:
                  tests:
                    command: %s
                """.formatted(CHECK));
        user.own(cfg);
        return cfg;
    }

    private static RunnerUser.Result run(RunnerUser user, Path root, Path checkout, Path cfg, String bundle) throws Exception {
        String cli = Path.of("bin/agent-sandbox").toAbsolutePath().toString();
        Map<String, String> env = Map.of("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));
        return user.exec(List.of(cli, "run", "--repo", checkout.toString(), "--task", "add sub", "--image", TestHost.IMAGE,
                "--command", AGENT, "--config", cfg.toString(), "--bundle", root.resolve(bundle).toString(), "--quiet"), root, env);
    }

    /** Every file of the checkout but git's own store (the run adds its branch there), and .git/config, with digests and modes. */
    private static String tree(RunnerUser user, Path checkout) throws Exception {
        return user.exec(List.of("sh", "-c", "find . -path ./.git -prune -o -printf '%p %m %s\\n' | sort;"
                + " find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum .git/config"), checkout, Map.of()).out();
    }

    private static void exec(RunnerUser user, Path dir, String... command) throws Exception {
        var r = user.exec(List.of(command), dir, Map.of());
        assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.out()).isZero();
    }
}
