package dev.agentsandbox.testing;

import dev.agentsandbox.config.ConfigLoader;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.git.CommitSigning;
import dev.agentsandbox.git.GitCredentials;
import dev.agentsandbox.pipeline.RunPipeline;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.run.RunIds;
import dev.agentsandbox.run.RunRequest;
import dev.agentsandbox.run.RunResult;
import dev.agentsandbox.workspace.ScratchArea;
import dev.agentsandbox.workspace.WorkspaceMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** The real pipeline on a {@link FakeBackend}, in this JVM: a whole run's bundle, branch and attestation in well under a second. */
public final class FakeRuns {
    /** The sample repository's checks, with the host controls a fake sandbox cannot give (disk quota, process log) off. */
    public static final String CONFIG = """
            version: 1
            agent:
              identity: { name: "Demo Agent", email: "demo-agent@agent-sandbox.invalid" }
            sandbox:
              disk: unlimited
              process-log: false
            checks:
              lint:
                command: ["python3", "-m", "py_compile", "calc.py"]
              tests:
                command: ["python3", "run_tests.py"]
            """;

    private FakeRuns() {
    }

    /** A task on a repository asked for by alice, its bundle at {@code bundle}, pushed to {@code push} on merge (null: nowhere). */
    public static RunRequest request(Path repo, String task, Path bundle, String push) {
        return request(repo, task, bundle, push, "alice");
    }

    /** @param requestedBy who asked (a CI's user); null: no one named, as outside CI */
    public static RunRequest request(Path repo, String task, Path bundle, String push, String requestedBy) {
        return new RunRequest(RunRequest.Task.of(repo, task, requestedBy),
                new RunRequest.Overrides(null, null, "fake-image", List.of("agent"), null, null, null, null, WorkspaceMode.COPY),
                new RunRequest.Delivery(bundle, push, null));
    }

    /**
     * Runs the request with the configuration's text in place of the repository's.
     *
     * @param scratch the host's scratch area for this test
     * @param key the attestation's signing key; null: a one-time key
     * @param signing the commit signing key; null: unsigned commits
     */
    public static RunResult run(Path scratch, FakeBackend backend, RunRequest request, String config, KeyPair key, CommitSigning signing)
            throws AgentSandboxException {
        Map<String, String> env = Map.of(ScratchArea.ENV, scratch.toString());
        HostEnvironment host = new HostEnvironment(env, null, ScratchArea.of(env), GitCredentials.NONE, signing);
        Clock clock = Clock.systemUTC();
        RunPipeline p = new RunPipeline(RunContext.of(backend, clock, Progress.SILENT, host), RunIds.random(clock),
                (r, base, overrides) -> ConfigLoader.load("test.yml", config.getBytes(StandardCharsets.UTF_8)));
        return p.run(request, key);
    }
}
