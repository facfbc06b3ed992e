package dev.agentsandbox.run;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.AgentSandboxException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/** Loads the run's configuration (from the base commit, or a file the operator names). */
@FunctionalInterface
public interface ConfigSource {
    RunConfig load(Repository repo, ObjectId base, RunRequest.Overrides overrides) throws AgentSandboxException;
}
