package dev.agentsandbox.sandbox.trace;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A listening AF_UNIX SOCK_SEQPACKET socket, which the JDK does not offer: gVisor's remote trace
 * sink sends one message per packet, so message boundaries are the packets' own. One connection is
 * accepted; every read is bounded, since the sandbox's kernel is not trusted.
 */
final class SeqPacketServer implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final short POLLIN = 1;
    private static final short POLLHUP = 0x10;

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, SockaddrUn addr, int len) throws LastErrorException;

        int listen(int fd, int backlog) throws LastErrorException;

        int accept4(int fd, com.sun.jna.Pointer addr, com.sun.jna.Pointer len, int flags) throws LastErrorException;

        int poll(PollFd fds, int nfds, int timeout) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd);
    }

    @Structure.FieldOrder({"family", "path"})
    public static final class SockaddrUn extends Structure {
        public short family;
        public byte[] path = new byte[108];
    }

    @Structure.FieldOrder({"fd", "events", "revents"})
    public static final class PollFd extends Structure {
        public int fd;
        public short events;
        public short revents;
    }

    private final int listener;
    private int connection = -1;

    private SeqPacketServer(int listener) {
        this.listener = listener;
    }

    static SeqPacketServer bind(Path path) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= 108) {
            throw new IOException("socket path too long for AF_UNIX: " + path);
        }
        int fd;
        try {
            fd = LibC.INSTANCE.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_UNIX, SOCK_SEQPACKET): errno " + e.getErrorCode(), e);
        }
        SockaddrUn addr = new SockaddrUn();
        addr.family = AF_UNIX;
        System.arraycopy(name, 0, addr.path, 0, name.length);
        try {
            LibC.INSTANCE.bind(fd, addr, 2 + name.length + 1);
            LibC.INSTANCE.listen(fd, 1);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot listen on " + path + ": errno " + e.getErrorCode(), e);
        }
        return new SeqPacketServer(fd);
    }

    /** Waits up to {@code millis} for the one connection; false when none came. */
    boolean accept(int millis) throws IOException {
        if ((poll(listener, millis) & POLLIN) == 0) {
            return false;
        }
        try {
            connection = LibC.INSTANCE.accept4(listener, null, null, SOCK_CLOEXEC);
            return true;
        } catch (LastErrorException e) {
            throw new IOException("accept: errno " + e.getErrorCode(), e);
        }
    }

    private static final int MSG_PEEK = 0x2;
    private static final int MSG_TRUNC = 0x20;

    /**
     * The next packet whole; empty after {@code millis} without one; null at the end. A packet over
     * {@code max} bytes is consumed and refused (an IOException naming its size): it is never cut,
     * since a cut message cannot be read and a reader that stopped would see nothing after it.
     */
    byte[] receive(int max, int millis) throws IOException {
        short events = poll(connection, millis);
        if ((events & (POLLIN | POLLHUP)) == 0) {
            return new byte[0];
        }
        long size;
        try {
            // MSG_PEEK | MSG_TRUNC: the packet's real length, leaving it queued
            size = LibC.INSTANCE.recv(connection, new byte[1], 1, MSG_PEEK | MSG_TRUNC);
        } catch (LastErrorException e) {
            throw new IOException("recv: errno " + e.getErrorCode(), e);
        }
        if (size == 0 && (events & POLLHUP) == 0) {
            // recv's 0 is both the end and a packet of no bytes; only a hang-up is the end. An empty packet is no
            // trace message, and taking it for the end would stop the record silently while the sandbox runs on.
            try {
                LibC.INSTANCE.recv(connection, new byte[1], 1, 0);
            } catch (LastErrorException e) {
                throw new IOException("recv: errno " + e.getErrorCode(), e);
            }
            throw new IOException("an empty trace message");
        }
        if (size <= 0) {
            return null;
        }
        if (size > max) {
            try {
                LibC.INSTANCE.recv(connection, new byte[1], 1, MSG_TRUNC);
            } catch (LastErrorException e) {
                throw new IOException("recv: errno " + e.getErrorCode(), e);
            }
            throw new IOException("a trace message of " + size + " bytes, over the limit of " + max);
        }
        byte[] buf = new byte[(int) size];
        long n;
        try {
            n = LibC.INSTANCE.recv(connection, buf, buf.length, 0);
        } catch (LastErrorException e) {
            throw new IOException("recv: errno " + e.getErrorCode(), e);
        }
        return n <= 0 ? null : n == buf.length ? buf : Arrays.copyOf(buf, (int) n);
    }

    void send(byte[] packet) throws IOException {
        try {
            LibC.INSTANCE.send(connection, packet, packet.length, 0);
        } catch (LastErrorException e) {
            throw new IOException("send: errno " + e.getErrorCode(), e);
        }
    }

    /** The events poll reports within {@code millis} (0: none, or interrupted). */
    private static short poll(int fd, int millis) throws IOException {
        PollFd p = new PollFd();
        p.fd = fd;
        p.events = POLLIN;
        try {
            return LibC.INSTANCE.poll(p, 1, millis) > 0 ? p.revents : 0;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 4) { // EINTR
                return 0;
            }
            throw new IOException("poll: errno " + e.getErrorCode(), e);
        }
    }

    @Override
    public void close() {
        for (int fd : List.of(connection, listener)) {
            if (fd >= 0) {
                LibC.INSTANCE.close(fd);
            }
        }
        connection = -1;
    }
}
