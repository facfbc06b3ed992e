package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay that carries the model proxy's socket into a pod: the real relay.py (this machine's
 * python3) against the real host end, and the host end fed frames a hostile pod could send.
 */
class SocketRelayTest {
    @TempDir
    Path tmp;
    private ServerSocketChannel host;
    private final List<SocketChannel> accepted = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        host = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        host.bind(UnixDomainSocketAddress.of(tmp.resolve("host.sock")));
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    SocketChannel c = host.accept();
                    synchronized (accepted) {
                        accepted.add(c);
                    }
                    Thread echo = new Thread(() -> {
                        try (c) {
                            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                            while (c.read(b.clear()) > 0) {
                                b.flip();
                                while (b.hasRemaining()) {
                                    c.write(b);
                                }
                            }
                        } catch (IOException e) {
                            // the other end went
                        }
                    });
                    echo.setDaemon(true);
                    echo.start();
                }
            } catch (IOException e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        host.close();
    }

    @Test
    void connectionsCrossTheRelayBothWaysManyAtOnceAndLargeOnes() throws Exception {
        Path inPod = tmp.resolve("pod.sock");
        Process p = new ProcessBuilder("python3", "-u", "-c", SocketRelay.SCRIPT, inPod.toString()).start();
        try (SocketRelay relay = new SocketRelay(p.getInputStream(), p.getOutputStream(), tmp.resolve("host.sock"), () -> "", p::destroy)) {
            relay.awaitReady(Duration.ofSeconds(20));
            byte[] big = new byte[3 * 1024 * 1024];
            new java.util.Random(7).nextBytes(big);
            List<Thread> clients = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 8; i++) {
                byte[] send = i == 0 ? big : ("request " + i).getBytes(StandardCharsets.UTF_8);
                Thread c = new Thread(() -> {
                    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(inPod))) {
                        Thread w = new Thread(() -> {
                            try {
                                ch.write(ByteBuffer.wrap(send));
                                ch.shutdownOutput();
                            } catch (IOException e) {
                                failures.add(e);
                            }
                        });
                        w.start();
                        byte[] back = new DataInputStream(Channels.newInputStream(ch)).readNBytes(send.length);
                        w.join();
                        assertThat(back).isEqualTo(send);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                c.start();
                clients.add(c);
            }
            for (Thread c : clients) {
                c.join(60_000);
            }
            assertThat(failures).isEmpty();
        }
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("the relay ends with its stdin").isTrue();
    }

    @Test
    void aRelayThatCannotStartSaysWhy() throws Exception {
        // the image without python3, as the exec would find it
        Process p = new ProcessBuilder(List.of("/bin/sh", "-c", "PATH=" + tmp + " && export PATH && /bin/sh -c \"$0\" r \"$1\" \"$2\"",
                ExecPodFiles.RELAY, SocketRelay.SCRIPT, tmp.resolve("p.sock").toString())).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException e) {
                // gone
            }
        });
        t.start();
        try (SocketRelay relay = new SocketRelay(p.getInputStream(), p.getOutputStream(), tmp.resolve("host.sock"), () -> {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return err.toString(StandardCharsets.UTF_8);
        }, p::destroy)) {
            assertThatThrownBy(() -> relay.awaitReady(Duration.ofSeconds(20))).hasMessageContaining("exited before it listened")
                    .hasMessageContaining("no python3").hasMessageContaining("add python3 to the image");
        }
    }

    /** A pod's side of the stream, written by the test. */
    private record Fake(SocketRelay relay, PipedOutputStream pod, DataInputStream fromHost) {
    }

    private Fake fake() throws IOException {
        PipedInputStream toHost = new PipedInputStream(1 << 20);
        PipedOutputStream pod = new PipedOutputStream(toHost);
        PipedInputStream fromHostIn = new PipedInputStream(1 << 20);
        PipedOutputStream hostOut = new PipedOutputStream(fromHostIn);
        return new Fake(new SocketRelay(toHost, hostOut, tmp.resolve("host.sock"), () -> "", () -> { }), pod, new DataInputStream(fromHostIn));
    }

    private static void frame(PipedOutputStream out, int kind, int id, int length, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(9).put((byte) kind).putInt(id).putInt(length).array());
        out.write(data);
        out.flush();
    }

    @Test
    void aFrameLargerThanAllowedEndsTheRelay() throws Exception {
        Fake f = fake();
        frame(f.pod(), SocketRelay.READY, 0, 0, new byte[0]);
        f.relay().awaitReady(Duration.ofSeconds(5));
        frame(f.pod(), SocketRelay.DATA, 1, Integer.MAX_VALUE, new byte[0]);
        awaitFailure(f.relay());
        assertThat(f.relay().failure()).contains("a frame of 2147483647 bytes");
        f.relay().close();
    }

    @Test
    void anUnknownFrameTypeOrAConnectionOpenedTwiceEndsTheRelay() throws Exception {
        Fake f = fake();
        frame(f.pod(), 9, 0, 0, new byte[0]);
        assertThatThrownBy(() -> f.relay().awaitReady(Duration.ofSeconds(5))).hasMessageContaining("unknown type 9");
        Fake g = fake();
        frame(g.pod(), SocketRelay.OPEN, 5, 0, new byte[0]);
        frame(g.pod(), SocketRelay.OPEN, 5, 0, new byte[0]);
        awaitFailure(g.relay());
        assertThat(g.relay().failure()).contains("opened twice");
        assertThat(g.relay().open()).isZero();
    }

    @Test
    void connectionsPastTheLimitAreClosedAtOnceAndDataForUnknownOnesIsDropped() throws Exception {
        Fake f = fake();
        for (int i = 1; i <= SocketRelay.MAX_CONNECTIONS + 3; i++) {
            frame(f.pod(), SocketRelay.OPEN, i, 0, new byte[0]);
        }
        frame(f.pod(), SocketRelay.DATA, 100_000, 3, "abc".getBytes(StandardCharsets.UTF_8));
        Map<Integer, Integer> closed = new java.util.HashMap<>();
        for (int n = 0; n < 3; n++) {
            byte[] h = new byte[9];
            f.fromHost().readFully(h);
            ByteBuffer b = ByteBuffer.wrap(h);
            closed.put(b.getInt(1), (int) b.get(0));
        }
        assertThat(closed).containsOnlyKeys(SocketRelay.MAX_CONNECTIONS + 1, SocketRelay.MAX_CONNECTIONS + 2, SocketRelay.MAX_CONNECTIONS + 3)
                .allSatisfy((id, kind) -> assertThat(kind).isEqualTo(SocketRelay.CLOSE));
        assertThat(f.relay().open()).isEqualTo(SocketRelay.MAX_CONNECTIONS);
        assertThat(f.relay().failure()).isNull();
        f.relay().close();
        assertThat(f.relay().open()).isZero();
    }

    private static void awaitFailure(SocketRelay r) throws InterruptedException {
        for (int i = 0; i < 100 && r.failure() == null; i++) {
            Thread.sleep(50);
        }
    }
}
