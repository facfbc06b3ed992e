package dev.agentsandbox.sandbox.kubernetes;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The host's end of a socket relay: a pod cannot reach a Unix socket on the host, so
 * {@code relay.py} listens on one in the pod and carries each connection, framed, over the stdin
 * and stdout of an exec; here each connection becomes one to the host's socket. What comes from
 * the pod is read as hostile: a frame is at most {@link #MAX_FRAME} bytes, at most
 * {@link #MAX_CONNECTIONS} are open at once, and anything that is not a frame ends the relay.
 */
final class SocketRelay implements AutoCloseable {
    static final int READY = 0;
    static final int OPEN = 1;
    static final int DATA = 2;
    static final int CLOSE = 3;
    /** One direction ended (a half-close); after both, the connection is gone. */
    static final int EOF = 4;
    static final int MAX_FRAME = 1 << 20;
    static final int MAX_CONNECTIONS = 64;
    /** The in-pod end, run with python3 from the image. */
    static final String SCRIPT = script();

    private final DataInputStream fromPod;
    private final OutputStream toPod;
    private final Path hostSocket;
    private final Supplier<String> podErrors;
    private final AutoCloseable process;
    private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
    /** A connection to the host's socket, and how many of its two directions have ended. */
    private record Connection(SocketChannel channel, java.util.concurrent.atomic.AtomicInteger ended) {
    }

    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;
    private volatile String failure;
    private volatile boolean closed;

    /**
     * @param podErrors what the relay printed on stderr, for messages
     * @param process the relay's process (the exec), ended on close
     */
    SocketRelay(InputStream fromPod, OutputStream toPod, Path hostSocket, Supplier<String> podErrors, AutoCloseable process) {
        this.process = process;
        this.fromPod = new DataInputStream(fromPod);
        this.toPod = toPod;
        this.hostSocket = hostSocket;
        this.podErrors = podErrors;
        this.reader = new Thread(this::read, "agent-sandbox-relay-" + hostSocket.getFileName());
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until the relay listens in the pod; fails with what it said when it cannot. */
    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("the socket relay did not start in the pod within " + timeout.toSeconds() + " s" + said());
        }
        if (failure != null) {
            throw new IOException("the socket relay ended: " + failure + said());
        }
    }

    private String said() {
        String err = podErrors.get().strip();
        return err.isEmpty() ? "" : ": " + err;
    }

    /** Connections the pod opened and that are still open. */
    int open() {
        return connections.size();
    }

    /** Why the relay ended on its own, or null. */
    String failure() {
        return failure;
    }

    private void read() {
        byte[] head = new byte[9];
        try {
            while (!closed) {
                fromPod.readFully(head);
                ByteBuffer h = ByteBuffer.wrap(head);
                int kind = h.get() & 0xff;
                int id = h.getInt();
                int length = h.getInt();
                if (length < 0 || length > MAX_FRAME) {
                    throw new IOException("a frame of " + Integer.toUnsignedString(length) + " bytes (at most " + MAX_FRAME + ")");
                }
                byte[] data = fromPod.readNBytes(length);
                if (data.length < length) {
                    throw new EOFException("the pod's stream ended inside a frame");
                }
                switch (kind) {
                    case READY -> ready.countDown();
                    case OPEN -> open(id);
                    case DATA -> forward(id, data);
                    case CLOSE -> drop(id);
                    case EOF -> endFromPod(id);
                    default -> throw new IOException("a frame of unknown type " + kind);
                }
            }
        } catch (EOFException e) {
            end(ready.getCount() > 0 ? "the relay exited before it listened" : null);
        } catch (IOException | RuntimeException e) {
            // RuntimeException: the client's own (the exec's stream failed)
            end(closed ? null : e.getMessage());
        }
    }

    private void open(int id) throws IOException {
        if (connections.containsKey(id)) {
            throw new IOException("connection " + id + " opened twice");
        }
        if (connections.size() >= MAX_CONNECTIONS) {
            send(CLOSE, id, new byte[0]);
            return;
        }
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(hostSocket));
        } catch (IOException e) {
            send(CLOSE, id, new byte[0]);
            return;
        }
        Connection c = new Connection(ch, new java.util.concurrent.atomic.AtomicInteger());
        connections.put(id, c);
        Thread pump = new Thread(() -> pump(id, c), "agent-sandbox-relay-" + id);
        pump.setDaemon(true);
        pump.start();
    }

    /** The host's answers, back to the pod, and the end of them as a half-close. */
    private void pump(int id, Connection c) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (c.channel().read(buf.clear()) > 0) {
                send(DATA, id, java.util.Arrays.copyOf(buf.array(), buf.position()));
            }
            send(EOF, id, new byte[0]);
            ended(id, c);
        } catch (IOException | RuntimeException e) {
            // the connection or the pod's stream went
            if (connections.remove(id, c)) {
                try {
                    send(CLOSE, id, new byte[0]);
                } catch (IOException | RuntimeException ignored) {
                    // the pod's stream is gone: the reader ends the relay
                }
            }
            closeQuietly(c.channel());
        }
    }

    private void forward(int id, byte[] data) throws IOException {
        Connection c = connections.get(id);
        if (c == null) {
            return; // closed on this side while the pod still sent
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                c.channel().write(b);
            }
        } catch (IOException e) {
            drop(id);
            send(CLOSE, id, new byte[0]);
        }
    }

    private void endFromPod(int id) {
        Connection c = connections.get(id);
        if (c == null) {
            return;
        }
        try {
            c.channel().shutdownOutput();
        } catch (IOException e) {
            // the host's side is gone already: the pump ends it
        }
        ended(id, c);
    }

    private void ended(int id, Connection c) {
        if (c.ended().incrementAndGet() >= 2 && connections.remove(id, c)) {
            closeQuietly(c.channel());
        }
    }

    private void drop(int id) {
        Connection c = connections.remove(id);
        if (c != null) {
            closeQuietly(c.channel());
        }
    }

    private void send(int kind, int id, byte[] data) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(9).put((byte) kind).putInt(id).putInt(data.length);
        synchronized (toPod) {
            toPod.write(h.array());
            toPod.write(data);
            toPod.flush();
        }
    }

    private void end(String why) {
        if (why != null && failure == null) {
            failure = why;
        }
        closed = true;
        ready.countDown();
        for (Integer id : connections.keySet()) {
            drop(id);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing left to tell
        }
    }

    /**
     * Ends the relay's process first (a writer blocked on a full stream must not hold this up),
     * then every connection; the relay in the pod exits when its stdin closes.
     */
    @Override
    public void close() {
        closed = true;
        ready.countDown();
        closeQuietly(process);
        for (Integer id : connections.keySet()) {
            drop(id);
        }
        closeQuietly(fromPod);
        closeQuietly(toPod);
        reader.interrupt();
    }

    private static String script() {
        try (InputStream in = SocketRelay.class.getResourceAsStream("relay.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the jar is missing relay.py: rebuild it", e);
        }
    }
}
