package dev.agentsandbox.git;

import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * The credentials pushes and fetches use, chosen by the wrapper (the CLI reads the CI job's
 * token; a Jenkins step passes its own). {@link #NONE}: JGit's own SSH and file transports only.
 * The sandbox never sees these.
 */
public record GitCredentials(String user, String token) {
    public static final GitCredentials NONE = new GitCredentials(null, null);

    @Override
    public String toString() {
        return token == null ? "GitCredentials[none]" : "GitCredentials[user=" + user + ", token=***]";
    }

    CredentialsProvider provider() {
        return token == null ? null : new UsernamePasswordCredentialsProvider(user, token);
    }
}
