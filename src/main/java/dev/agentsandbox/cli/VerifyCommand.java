package dev.agentsandbox.cli;

import dev.agentsandbox.audit.BundleVerifier;
import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.error.AgentSandboxException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Check a bundle: the audit chain, the signatures, and every file against what was signed.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    RunBundleOption run;

    @Option(names = "--key", description = "the public key the signatures must verify with (recommended)")
    Path key;

    @Override
    public Integer call() throws AgentSandboxException {
        var v = BundleVerifier.verify(run.dir, key == null ? null : SigningKeys.readPublic(key));
        var out = spec.commandLine().getOut();
        v.notes().forEach(n -> out.println("note: " + n));
        if (v.ok()) {
            out.println("verified: " + run.dir + " (up to the " + v.newestStage() + " attestation)");
            return ExitCodes.OK;
        }
        v.problems().forEach(p -> out.println("FAILED: " + p));
        return ExitCodes.REFUSED;
    }
}
