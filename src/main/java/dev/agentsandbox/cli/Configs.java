package dev.agentsandbox.cli;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.ConfigException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.run.prepare.ConfigSource;
import dev.agentsandbox.workspace.GitTree;
import java.io.IOException;
import java.util.Optional;

/** Where a run's configuration comes from: a file the operator names, else the BASE commit. */
final class Configs {
    static final String FILE = ".agent-sandbox.yml";

    private Configs() {
    }

    static ConfigSource fromBaseCommit() {
        return (repo, base, request) -> {
            if (request.configFile() != null) {
                return dev.agentsandbox.config.ConfigLoader.load(request.configFile());
            }
            Optional<byte[]> bytes;
            try {
                bytes = new GitTree(repo, base).read(FILE);
            } catch (IOException e) {
                throw new UsageException("cannot read " + FILE + " at the base commit: " + e.getMessage(), e);
            }
            if (bytes.isEmpty()) {
                return RunConfig.DEFAULT;
            }
            return dev.agentsandbox.config.ConfigLoader.load(FILE + "@" + base.abbreviate(12).name(), bytes.get());
        };
    }
}
