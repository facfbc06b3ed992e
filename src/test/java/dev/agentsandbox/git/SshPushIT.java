package dev.agentsandbox.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.testing.SshKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes over SSH to a real OpenSSH server on loopback, running real git-receive-pack on a bare
 * repository, with the identity a CI hands over (a key file and a known_hosts file): the key is
 * used, and a server whose host key is not the known one is refused before anything is sent.
 */
class SshPushIT {
    @TempDir
    Path tmp;
    private Process sshd;
    private int port;
    private Path clientKey;
    private Path knownHosts;
    private Path remote;
    private Repository repo;
    private ObjectId head;

    @BeforeEach
    void startSshd() throws Exception {
        Path hostKey = SshKeys.ed25519(tmp, "host_key");
        clientKey = SshKeys.ed25519(tmp, "client_key");
        Files.copy(tmp.resolve("client_key.pub"), tmp.resolve("authorized_keys"));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.createDirectories(Path.of("/run/sshd"));
        Path config = Files.writeString(tmp.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1", "Port " + port, "HostKey " + hostKey, "AuthorizedKeysFile " + tmp.resolve("authorized_keys"),
                "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password", "PidFile none", "") );
        sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("sshd.log").toFile()).start();
        awaitPort();
        knownHosts = Files.writeString(tmp.resolve("known_hosts"),
                "[127.0.0.1]:" + port + " " + Files.readString(tmp.resolve("host_key.pub")).strip() + "\n");
        remote = tmp.resolve("remote.git");
        Git.init().setBare(true).setDirectory(remote.toFile()).call().close();
        Git git = Git.init().setDirectory(tmp.resolve("work").toFile()).setInitialBranch("main").call();
        Files.writeString(tmp.resolve("work/a.txt"), "a\n");
        git.add().addFilepattern("a.txt").call();
        head = git.commit().setMessage("a").setSign(false).setAuthor("t", "t@example.invalid").setCommitter("t", "t@example.invalid").call();
        repo = git.getRepository();
    }

    @AfterEach
    void stop() throws Exception {
        if (repo != null) {
            repo.close();
        }
        if (sshd != null) {
            sshd.destroy();
            sshd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void pushesWithTheGivenKeyCheckedAgainstTheKnownHost() throws Exception {
        GitCredentials creds = new GitCredentials(null, null, GitCredentials.sshIdentity(clientKey, null, knownHosts));
        new Pusher(repo, creds).push(url(), List.of(new Pusher.Update(head, Constants.R_HEADS + "agent/x", ObjectId.zeroId())));
        try (Repository bare = Git.open(remote.toFile()).getRepository()) {
            assertThat(bare.resolve("refs/heads/agent/x")).isEqualTo(head);
        }
        assertThat(new Pusher(repo, creds).remoteValue(url(), "refs/heads/agent/x")).isEqualTo(head);
    }

    @Test
    void aServerWhoseHostKeyIsNotTheKnownOneIsRefused() throws Exception {
        Path other = SshKeys.ed25519(tmp, "other_host");
        Path wrongHosts = Files.writeString(tmp.resolve("wrong_known_hosts"),
                "[127.0.0.1]:" + port + " " + Files.readString(other.resolveSibling("other_host.pub")).strip() + "\n");
        GitCredentials creds = new GitCredentials(null, null, GitCredentials.sshIdentity(clientKey, null, wrongHosts));
        assertThatThrownBy(() -> new Pusher(repo, creds).push(url(), List.of(new Pusher.Update(head, Constants.R_HEADS + "agent/x", ObjectId.zeroId()))))
                .isInstanceOf(InfrastructureException.class);
        Path empty = Files.writeString(tmp.resolve("empty_known_hosts"), "");
        GitCredentials unknown = new GitCredentials(null, null, GitCredentials.sshIdentity(clientKey, null, empty));
        assertThatThrownBy(() -> new Pusher(repo, unknown).push(url(), List.of(new Pusher.Update(head, Constants.R_HEADS + "agent/x", ObjectId.zeroId()))))
                .isInstanceOf(InfrastructureException.class);
        try (Repository bare = Git.open(remote.toFile()).getRepository()) {
            assertThat(bare.resolve("refs/heads/agent/x")).isNull();
        }
    }

    @Test
    void aKeyTheServerDoesNotKnowIsRefused() throws Exception {
        Path stranger = SshKeys.ed25519(tmp, "stranger");
        GitCredentials creds = new GitCredentials(null, null, GitCredentials.sshIdentity(stranger, null, knownHosts));
        assertThatThrownBy(() -> new Pusher(repo, creds).push(url(), List.of(new Pusher.Update(head, Constants.R_HEADS + "agent/x", ObjectId.zeroId()))))
                .isInstanceOf(InfrastructureException.class);
    }

    @Test
    void missingFilesAreNamed() {
        assertThatThrownBy(() -> GitCredentials.sshIdentity(tmp.resolve("nope"), null, knownHosts)).hasMessageContaining("nope");
        assertThatThrownBy(() -> GitCredentials.sshIdentity(clientKey, null, tmp.resolve("no_hosts")))
                .hasMessageContaining("an unknown host is never trusted");
    }

    private String url() {
        return "ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + port + remote;
    }

    private void awaitPort() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                assertThat(sshd.isAlive()).as(() -> log()).isTrue();
                Thread.sleep(50);
            }
        }
        throw new AssertionError("sshd did not listen: " + log());
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("sshd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
