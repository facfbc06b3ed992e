package dev.agentsandbox.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A CONNECT tunnel to an allow-listed package registry: the proxy resolves and connects on the
 * host and pipes the bytes both ways (TLS end to end, never read), counting them for the audit log.
 */
final class RegistryTunnel {
    /** How long the registry's side may still send after the agent closed its side. */
    private static final long CLOSE_MILLIS = 30_000;

    /** Bytes each way, once the tunnel ended. */
    record Bytes(long up, long down) {
    }

    private RegistryTunnel() {
    }

    /**
     * CONNECT to an allow-listed package registry ({@code proxy.registries}: exact host:port): the proxy
     * resolves and connects on the host and pipes the bytes (TLS end to end, never read), and audits
     * the host, the bytes and the duration. Anything else is refused: no other host resolves or connects.
     */
    static void serve(ProxyRequest req, SocketChannel channel, InputStream in, OutputStream out, long t0, EgressPolicy policy,
            ProxyListener listener) throws IOException {
        String target = req.target().toLowerCase(java.util.Locale.ROOT);
        EgressPolicy.Refusal no = policy.connect(target);
        if (no != null) {
            Refusals.send(listener, out, no, req, null, t0, "registry", target);
            return;
        }
        int colon = target.lastIndexOf(':');
        Socket upstream = connect(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        if (upstream == null) {
            Refusals.send(listener, out, new EgressPolicy.Refusal(502, "registry-unreachable", "the registry " + target + " did not answer"), req,
                    null, t0, "registry", target);
            return;
        }
        Bytes bytes = new Bytes(0, 0);
        try {
            bytes = pipe(upstream, channel, in, out);
        } finally {
            listener.onRequest(new ProxyEvent("CONNECT", "registry", target.substring(0, colon), target, 200, bytes.up(), bytes.down(),
                    (System.nanoTime() - t0) / 1_000_000, null, 0, 0, null, null));
        }
    }

    /** Connects to {@code host:port} within 10 s, or returns null. */
    static Socket connect(String host, int port) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(host, port), 10_000);
            return upstream;
        } catch (IOException e) {
            try {
                upstream.close();
            } catch (IOException ignored) {
                // not connected
            }
            return null;
        }
    }

    /** Answers 200 and pipes until both sides are done; closes the upstream. */
    static Bytes pipe(Socket upstream, SocketChannel channel, InputStream in, OutputStream out) throws IOException {
        long[] bytes = new long[2];
        try (upstream) {
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The channel itself, not its stream adapters: those share one lock between reading and writing,
            // and a TLS handshake needs both at once.
            Thread back = new Thread(() -> bytes[1] = pumpToChannel(inputOf(upstream), channel), "agent-sandbox-tunnel");
            back.setDaemon(true);
            back.start();
            bytes[0] = pumpFromChannel(in, channel, upstream.getOutputStream());
            upstream.shutdownOutput();
            back.join(CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Bytes(bytes[0], bytes[1]);
    }

    private static InputStream inputOf(Socket s) {
        try {
            return s.getInputStream();
        } catch (IOException e) {
            return InputStream.nullInputStream();
        }
    }

    /** Client to registry: what the request's reader had buffered, then the channel until it ends. */
    private static long pumpFromChannel(InputStream buffered, SocketChannel from, OutputStream to) {
        long n = 0;
        try {
            int ahead = buffered.available();
            if (ahead > 0) {
                byte[] b = buffered.readNBytes(ahead);
                to.write(b);
                n += b.length;
            }
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            for (int r; (r = from.read(buf)) > 0; buf.clear()) {
                to.write(buf.array(), 0, r);
                to.flush();
                n += r;
            }
        } catch (IOException e) {
            // one side closed: the tunnel ends
        }
        return n;
    }

    /** Registry to client, until the registry closes. */
    private static long pumpToChannel(InputStream from, SocketChannel to) {
        byte[] buf = new byte[16 * 1024];
        long n = 0;
        try {
            for (int r; (r = from.read(buf)) > 0; ) {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, r);
                while (b.hasRemaining()) {
                    to.write(b);
                }
                n += r;
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the tunnel ends
        }
        return n;
    }
}
