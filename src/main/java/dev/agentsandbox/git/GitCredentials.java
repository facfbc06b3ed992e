package dev.agentsandbox.git;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.KeyPasswordProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * The credentials pushes and fetches use, chosen by the wrapper (the CLI reads the CI job's
 * token; a Jenkins step passes the job's credentials): a token for HTTPS remotes, an SSH identity
 * for SSH remotes. {@link #NONE}: JGit's own SSH (the user's ~/.ssh) and file transports only.
 * The sandbox never sees these.
 */
public record GitCredentials(String user, String token, SshIdentity ssh) {
    public static final GitCredentials NONE = new GitCredentials(null, null, null);

    public GitCredentials(String user, String token) {
        this(user, token, null);
    }

    /**
     * A private key for SSH remotes, used alone (no agent, no ~/.ssh/config, no other key), and
     * the known_hosts file the server's key must be in: an unknown or changed host key is refused,
     * never learnt.
     */
    public record SshIdentity(Path key, String passphrase, Path knownHosts) {
        @Override
        public String toString() {
            return "SshIdentity[key=" + key + ", knownHosts=" + knownHosts + (passphrase == null ? "" : ", passphrase=***") + "]";
        }
    }

    @Override
    public String toString() {
        return (token == null ? "GitCredentials[none" : "GitCredentials[user=" + user + ", token=***")
                + (ssh == null ? "" : ", " + ssh) + "]";
    }

    /** Sets these credentials on a transport about to be used: a token provider, and for SSH the identity. */
    public void configure(Transport transport) {
        if (token != null) {
            transport.setCredentialsProvider(new UsernamePasswordCredentialsProvider(user, token));
        }
        if (ssh != null && transport instanceof SshTransport t) {
            t.setSshSessionFactory(sessionFactory(ssh));
        }
    }

    private static SshdSessionFactory sessionFactory(SshIdentity ssh) {
        File home = new File(System.getProperty("user.home"));
        return new SshdSessionFactoryBuilder()
                .setHomeDirectory(home)
                .setSshDirectory(ssh.key().toAbsolutePath().getParent().toFile())
                .setConfigStoreFactory((h, f, u) -> null)
                .setPreferredAuthentications("publickey")
                .setDefaultIdentities(dir -> List.of(ssh.key().toAbsolutePath()))
                .setDefaultKnownHostsFiles(dir -> List.of(ssh.knownHosts().toAbsolutePath()))
                .setKeyPasswordProvider(cp -> new KeyPasswordProvider() {
                    private int attempts = 1;

                    @Override
                    public char[] getPassphrase(URIish uri, int attempt) {
                        return ssh.passphrase() == null ? null : ssh.passphrase().toCharArray();
                    }

                    @Override
                    public void setAttempts(int n) {
                        attempts = n;
                    }

                    @Override
                    public int getAttempts() {
                        return attempts;
                    }

                    @Override
                    public boolean keyLoaded(URIish uri, int attempt, Exception error) {
                        return false;
                    }
                })
                .build(null);
    }

    /** Checks that the files an SSH identity names exist, before anything is pushed. */
    public static SshIdentity sshIdentity(Path key, String passphrase, Path knownHosts) {
        if (!Files.isRegularFile(key)) {
            throw new IllegalArgumentException("the SSH key " + key + " is not a readable file");
        }
        if (!Files.isRegularFile(knownHosts)) {
            throw new IllegalArgumentException("the known_hosts file " + knownHosts + " does not exist: give the SSH server's host key"
                    + " in it (ssh-keyscan, checked against a trusted source); an unknown host is never trusted");
        }
        return new SshIdentity(key, passphrase, knownHosts);
    }
}
