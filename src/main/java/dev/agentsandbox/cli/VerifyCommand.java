package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.BundleVerifier;
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

    @Option(names = "--repo", description = "the run's repository, whose agent-sandbox/ tags record rejections and merges outside the bundle"
            + " (default: the folder run.json names, when it is here)")
    Path repo;

    @Option(names = "--remote", description = "also read the tags of this remote of --repo (e.g. origin)")
    String remote;

    @Override
    public Integer call() throws AgentSandboxException {
        var snapshot = dev.agentsandbox.bundle.BundleSnapshot.read(run.dir);
        var v = BundleVerifier.verify(snapshot, key == null ? null : SigningKeys.readPublic(key));
        var out = spec.commandLine().getOut();
        v.notes().forEach(n -> out.println("note: " + n));
        java.util.List<String> cutBack = v.ok() ? Ledgers.cutBack(snapshot, v.newestStage(), repo, remote) : java.util.List.of();
        cutBack.forEach(p -> out.println("FAILED: " + p));
        if (v.ok() && cutBack.isEmpty()) {
            out.println("verified: " + run.dir + " (up to the " + v.newestStage() + " attestation)");
            return ExitCodes.OK;
        }
        v.problems().forEach(p -> out.println("FAILED: " + p));
        return ExitCodes.REFUSED;
    }
}
