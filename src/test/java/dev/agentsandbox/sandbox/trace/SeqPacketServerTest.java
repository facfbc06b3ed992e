package dev.agentsandbox.sandbox.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedInputStream;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket runsc's remote sink connects to, with a real AF_UNIX SOCK_SEQPACKET client in this
 * process (what runsc does, minus runsc): one packet is one message, whatever the peer sends.
 */
class SeqPacketServerTest {
    /** The client side, through the same libc calls the server makes. */
    interface Client extends Library {
        Client C = Native.load("c", Client.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int connect(int fd, SeqPacketServer.SockaddrUn addr, int len) throws LastErrorException;

        long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd);
    }

    static int connect(Path socket) {
        int fd = Client.C.socket(1, 5, 0); // AF_UNIX, SOCK_SEQPACKET
        SeqPacketServer.SockaddrUn addr = new SeqPacketServer.SockaddrUn();
        addr.family = 1;
        byte[] name = socket.toString().getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, addr.path, 0, name.length);
        Client.C.connect(fd, addr, 2 + name.length + 1);
        return fd;
    }

    static void send(int fd, byte[] packet) {
        assertThat(Client.C.send(fd, packet, packet.length, 0)).isEqualTo(packet.length);
    }

    @TempDir
    Path dir;
    SeqPacketServer server;
    int client = -1;

    SeqPacketServer connected() throws IOException {
        server = SeqPacketServer.bind(dir.resolve("t.sock"));
        client = connect(dir.resolve("t.sock"));
        assertThat(server.accept(2000)).isTrue();
        return server;
    }

    @AfterEach
    void close() {
        if (client >= 0) {
            Client.C.close(client);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theHandshakeIsAPacketEachWay() throws Exception {
        connected();
        send(client, new byte[] {0x08, 0x01}); // runsc's Handshake{version: 1}
        byte[] hello = server.receive(256, 2000);
        assertThat(hello).containsExactly(0x08, 0x01);
        server.send(new byte[] {0x08, 0x01}); // attach()'s answer
        byte[] answer = new byte[16];
        long n = Client.C.recv(client, answer, answer.length, 0);
        CodedInputStream in = CodedInputStream.newInstance(answer, 0, (int) n);
        assertThat(in.readTag()).isEqualTo(0x08); // field 1, varint
        assertThat(in.readUInt32()).isEqualTo(1);
        assertThat(in.isAtEnd()).isTrue();
    }

    @Test
    void packetsKeepTheirBoundaries() throws Exception {
        connected();
        send(client, "first".getBytes(StandardCharsets.UTF_8));
        send(client, "second packet".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(server.receive(1024, 2000), StandardCharsets.UTF_8)).isEqualTo("first");
        assertThat(new String(server.receive(1024, 2000), StandardCharsets.UTF_8)).isEqualTo("second packet");
    }

    @Test
    void aPacketOverTheLimitIsRefusedWholeAndTheNextOneStillReads() throws Exception {
        connected();
        send(client, new byte[100_000]);
        send(client, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> server.receive(64, 2000)).isInstanceOf(IOException.class)
                .hasMessageContaining("a trace message of 100000 bytes, over the limit of 64");
        assertThat(server.receive(64, 2000)).containsExactly(1, 2, 3);
        send(client, new byte[] {4, 5, 6});
        assertThat(server.receive(3, 2000)).as("exactly the limit is not over it").containsExactly(4, 5, 6);
    }

    @Test
    void silenceIsEmptyAndAClosedPeerIsTheEnd() throws Exception {
        connected();
        long t0 = System.nanoTime();
        assertThat(server.receive(64, 100)).isEmpty();
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(50L, 2000L);
        send(client, new byte[] {7});
        Client.C.close(client);
        client = -1;
        assertThat(server.receive(64, 2000)).as("what was sent before the close is still read").containsExactly(7);
        assertThat(server.receive(64, 2000)).isNull();
    }

    @Test
    void noConnectionIsFalseAfterTheWait() throws Exception {
        server = SeqPacketServer.bind(dir.resolve("t.sock"));
        assertThat(Files.exists(dir.resolve("t.sock"))).isTrue();
        assertThat(server.accept(50)).isFalse();
    }

    @Test
    void aPathTooLongForAfUnixIsRefusedBeforeAnySocket() {
        Path deep = dir.resolve("d".repeat(120)).resolve("t.sock");
        assertThatThrownBy(() -> SeqPacketServer.bind(deep)).isInstanceOf(IOException.class).hasMessageContaining("too long for AF_UNIX");
        Path taken = dir.resolve("taken.sock");
        assertThatThrownBy(() -> {
            Files.writeString(taken, "x");
            SeqPacketServer.bind(taken);
        }).isInstanceOf(IOException.class).hasMessageContaining("cannot listen on");
        assertThat(Arrays.asList(dir.toFile().list())).containsExactly("taken.sock");
    }
}
