package dev.agentsandbox.run;

import dev.agentsandbox.git.GitCredentials;
import dev.agentsandbox.workspace.ScratchArea;
import java.util.Map;

/**
 * The host's environment, read once at the edge (the CLI or a CI wrapper): the core never reads
 * process variables itself. Variables are looked up only by the names the configuration gives
 * (sandbox.env-allow, notification secrets, a model key's variable, OTLP headers).
 *
 * @param variables the host's environment variables
 * @param reviewUrl where a reviewer finds the run (the CI job's page), or null: the bundle's review page
 * @param scratch where runs keep their temporary folders and the shared exports
 * @param git the credentials an early push uses, chosen by the wrapper
 * @param commitSigning the key that signs the agent's commit, or null: the commit is not signed
 */
public record HostEnvironment(Map<String, String> variables, String reviewUrl, ScratchArea scratch, GitCredentials git,
                              dev.agentsandbox.git.CommitSigning commitSigning) {
    public HostEnvironment(Map<String, String> variables, String reviewUrl, ScratchArea scratch, GitCredentials git) {
        this(variables, reviewUrl, scratch, git, null);
    }

    public HostEnvironment {
        variables = Map.copyOf(variables);
        java.util.Objects.requireNonNull(scratch, "scratch");
        java.util.Objects.requireNonNull(git, "git");
    }

    /** A variable's value, or null when it is unset or no name is given. */
    public String get(String name) {
        return name == null ? null : variables.get(name);
    }
}
