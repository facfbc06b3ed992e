package dev.agentsandbox.sandbox;

import dev.agentsandbox.sandbox.docker.DockerSandbox;

import dev.agentsandbox.testing.TestHost;
import java.time.Duration;

/** A child JVM that runs one sandbox: args are a purpose and a shell script. Prints what came back. */
public final class SandboxChild {
    public static void main(String[] args) throws Exception {
        try (DockerSandbox sandbox = DockerSandbox.connect()) {
            SandboxSpec spec = TestHost.gvisor(args[0], args[1], Duration.ofMinutes(5));
            System.out.println("run-id " + spec.runId());
            System.out.flush();
            SandboxResult r = sandbox.run(spec, OutputListener.NONE);
            System.out.println("exit " + r.exitCode() + " bytes " + r.outputBytes() + " kept " + r.output().length()
                    + " truncated " + r.outputTruncated());
        }
    }
}
