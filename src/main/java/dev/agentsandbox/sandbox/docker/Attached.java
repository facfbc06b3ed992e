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
    private static final int CHUNK = 64 * 1024;

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
        try {
            r = api.stream("/containers/" + DockerApi.segment(id) + "/attach?stream=1&stdout=1&stderr=1&logs=0");
        } catch (DockerApi.Refused | RuntimeException e) {
            throw new InfrastructureException("the Docker daemon did not open the output stream of the sandbox: "
                    + DockerSandbox.firstLine(e.getMessage()), e);
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
                try {
                    in.readFully(header);
                } catch (EOFException end) {
                    return; // the container's streams closed
                }
                int stream = header[0];
                long left = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        return;
                    }
                    left -= n;
                    sink.accept(stream == STDERR ? STDERR : STDOUT, java.util.Arrays.copyOf(buf, n));
                }
            }
        } catch (IOException e) {
            if (!closed) {
                sink.accept(STDERR, ("agent-sandbox: the output stream broke: " + e.getMessage() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        } finally {
            ended.countDown();
        }
    }

    /** Waits (bounded) for the rest of the output once the container has ended. */
    void drain() throws InterruptedException {
        ended.await(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        response.close(); // ends a read still waiting
    }
}
