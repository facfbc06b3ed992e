package dev.agentsandbox.cli;

import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keygen", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Make an Ed25519 key pair for signing attestations: PREFIX.key (0600) and PREFIX.pub.")
final class KeygenCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, description = "file prefix")
    Path out;

    @Override
    public Integer call() throws UsageException {
        var pair = SigningKeys.generate();
        SigningKeys.write(pair, out);
        spec.commandLine().getOut().println("wrote " + out + ".key (keep it secret; point " + SigningKeys.ENV + " at it) and " + out
                + ".pub (key id " + SigningKeys.keyId(pair.getPublic()).substring(0, 16) + "…)");
        return ExitCodes.OK;
    }
}
