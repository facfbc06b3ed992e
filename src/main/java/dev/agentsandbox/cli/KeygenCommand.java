package dev.agentsandbox.cli;

import dev.agentsandbox.audit.SigningKeys;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keygen", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Make an Ed25519 key pair for signing attestations: PREFIX.key (0600) and PREFIX.pub.",
                "With --public-of KEY, print the public key (PEM) of a private key instead: the one to pin (--key) in later jobs."})
final class KeygenCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--out", description = "file prefix of the new pair")
        Path out;

        @Option(names = "--public-of", paramLabel = "KEY", description = "a private key file whose public key to print")
        Path publicOf;
    }

    @Override
    public Integer call() throws UsageException {
        if (what.publicOf != null) {
            var pair = SigningKeys.load(what.publicOf);
            var out = spec.commandLine().getOut();
            out.print(SigningKeys.publicPem(pair.getPublic()));
            out.flush();
            return ExitCodes.OK;
        }
        var pair = SigningKeys.generate();
        SigningKeys.write(pair, what.out);
        spec.commandLine().getOut().println("wrote " + what.out + ".key (keep it secret; point " + SigningKeys.ENV + " at it) and " + what.out
                + ".pub (key id " + SigningKeys.keyId(pair.getPublic()).substring(0, 16) + "…)");
        return ExitCodes.OK;
    }
}
