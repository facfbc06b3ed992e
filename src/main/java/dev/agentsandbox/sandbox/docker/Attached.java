package dev.agentsandbox.sandbox.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import dev.agentsandbox.error.InfrastructureException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A container's attach stream, opened before it starts: the Engine API's multiplexed frames (an
 * 8-byte header of stream and length, then the bytes) read on a thread of its own and handed on
 * as they come. Containers here never have a TTY, so every stream is multiplexed.
 */
final class Attached implements AutoCloseable {
    static final int STDOUT = 1;
    static final int STDERR = 2;
    private static final int STDERR_OF_DAEMON = 3; // the daemon's own error, on newer APIs
    private static final int CHUNK = 64 * 1024;
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

    /** Receives each piece of output, with the stream it came on. */
    interface Sink {
        void accept(int stream, byte[] bytes);
    }

    private final DockerHttpClient.Response response;
    private final Duration drainTimeout;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closed;

    private Attached(DockerHttpClient.Response response, Duration drainTimeout) {
        this.response = response;
        this.drainTimeout = drainTimeout;
    }

    static Attached open(DockerApi api, String id, Sink sink, Duration drainTimeout) throws InfrastructureException {
        DockerHttpClient.Response r;
        // The transport has no response timeout: a daemon that never answers must not hold the run before its own timeout applies.
        // A thread of its own, as ExitWait's: never a shared pool that another blocked call could hold.
        java.util.concurrent.CompletableFuture<DockerHttpClient.Response> opening = new java.util.concurrent.CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                opening.complete(api.stream("/containers/" + DockerApi.segment(id) + "/attach?stream=1&stdout=1&stderr=1&logs=0"));
            } catch (Throwable e) {
                opening.completeExceptionally(e);
            }
        }, "agent-sandbox-attach-open-" + id.substring(0, Math.min(12, id.length())));
        opener.setDaemon(true);
        opener.start();
        try {
            r = opening.get(OPEN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            opening.thenAccept(DockerHttpClient.Response::close);
            throw new InfrastructureException("the Docker daemon did not open the output stream of the sandbox within "
                    + OPEN_TIMEOUT.toSeconds() + " s; is it overloaded or stuck? (`docker info` answers?)", e);
        } catch (InterruptedException e) {
            opening.thenAccept(DockerHttpClient.Response::close);
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while opening the sandbox's output stream", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable why = e.getCause();
            throw new InfrastructureException("the Docker daemon did not open the output stream of the sandbox: "
                    + DockerSandbox.firstLine(why.getMessage()), why);
        }
        Attached a = new Attached(r, drainTimeout);
        Thread reader = new Thread(() -> a.read(sink), "agent-sandbox-attach-" + id.substring(0, Math.min(12, id.length())));
        reader.setDaemon(true);
        reader.start();
        return a;
    }

    private void read(Sink sink) {
        try (InputStream body = response.getBody()) {
            DataInputStream in = new DataInputStream(body);
            byte[] header = new byte[8];
            byte[] buf = new byte[CHUNK];
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return; // the container's streams closed, between frames
                }
                header[0] = (byte) first;
                in.readFully(header, 1, 7);
                int stream = header[0];
                if (stream != STDOUT && stream != STDERR && stream != STDERR_OF_DAEMON) {
                    notice(sink, "the output stream is not in the Engine API's frames (stream " + stream + "); the rest is not shown");
                    return;
                }
                long left = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new EOFException("the stream ended inside a frame");
                    }
                    left -= n;
                    byte[] bytes = java.util.Arrays.copyOf(buf, n);
                    if (stream == STDERR_OF_DAEMON) {
                        notice(sink, "the Docker daemon reported: " + new String(bytes, java.nio.charset.StandardCharsets.UTF_8).strip());
                    } else {
                        sink.accept(stream, bytes);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                notice(sink, "the output stream broke: " + e.getMessage() + "; the rest is not shown");
            }
        } finally {
            ended.countDown();
        }
    }

    private static void notice(Sink sink, String text) {
        try {
            sink.accept(STDERR, ("agent-sandbox: " + text + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException ignored) {
            // the capture itself failed; nothing more can be shown
        }
    }

    /** Waits (bounded) for the rest of the output once the container has ended; false: the stream was still open when the wait ended. */
    boolean drain() throws InterruptedException {
        return ended.await(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        response.close(); // ends a read still waiting
    }
}
