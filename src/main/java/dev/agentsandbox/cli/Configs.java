package dev.agentsandbox.cli;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.run.ConfigSource;
import dev.agentsandbox.workspace.GitTree;
import java.io.IOException;
import java.util.Optional;

/** Where a run's configuration comes from: a file the operator names, else the BASE commit. */
final class Configs {
    static final String FILE = ".agent-sandbox.yml";

    private Configs() {
    }

    /** The file's path in the repository's tree (forward slashes), or null when it lies outside the work tree. */
    static String inRepository(org.eclipse.jgit.lib.Repository repo, java.nio.file.Path file) throws UsageException {
        if (repo.isBare()) {
            return null;
        }
        try {
            java.nio.file.Path tree = repo.getWorkTree().toPath().toRealPath();
            java.nio.file.Path real = file.toAbsolutePath().normalize();
            real = java.nio.file.Files.exists(real) ? real.toRealPath() : real;
            return real.startsWith(tree) && !real.equals(tree) ? tree.relativize(real).toString().replace('\\', '/') : null;
        } catch (IOException e) {
            throw new UsageException("cannot resolve --config " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<byte[]> atBase(org.eclipse.jgit.lib.Repository repo, org.eclipse.jgit.lib.ObjectId base, String path)
            throws UsageException {
        try {
            return new GitTree(repo, base).read(path);
        } catch (IOException e) {
            throw new UsageException("cannot read " + path + " at the base commit: " + e.getMessage(), e);
        }
    }

    static ConfigSource fromBaseCommit() {
        return (repo, base, overrides) -> {
            if (overrides.configFile() != null) {
                String inRepo = inRepository(repo, overrides.configFile());
                if (inRepo == null) {
                    return dev.agentsandbox.config.ConfigLoader.load(overrides.configFile()); // the CI's own, outside what the agent changes
                }
                // A configuration file in the repository is read as the base commit has it, and protected like .agent-sandbox.yml:
                // an agent that edits it must not weaken this run or the next one.
                Optional<byte[]> committed = atBase(repo, base, inRepo);
                if (committed.isEmpty()) {
                    throw new UsageException("--config " + overrides.configFile() + " is inside the repository but not in the base commit: commit it,"
                            + " or keep the file outside the repository (then it is the CI's own)");
                }
                return dev.agentsandbox.config.ConfigLoader.load(inRepo + "@" + base.abbreviate(12).name(), committed.get()).withProtected(inRepo);
            }
            Optional<byte[]> bytes = atBase(repo, base, FILE);
            if (bytes.isEmpty()) {
                return RunConfig.DEFAULT;
            }
            return dev.agentsandbox.config.ConfigLoader.load(FILE + "@" + base.abbreviate(12).name(), bytes.get());
        };
    }
}
