package dev.agentsandbox.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * After an early answer, as HTTP servers do: the client may still be sending what was refused, so
 * the proxy half-closes and reads it away (bounded in bytes and time) before it closes, and the
 * client reads the answer instead of a broken pipe.
 */
final class EarlyAnswer {
    private static final long DRAIN_SECONDS = 5;
    private static final long MAX_DRAIN_BYTES = 64L << 20;

    private EarlyAnswer() {
    }

    static void drain(SocketChannel channel, InputStream in) {
        var closer = CompletableFuture.delayedExecutor(DRAIN_SECONDS, TimeUnit.SECONDS);
        CompletableFuture<Void> deadline = CompletableFuture.runAsync(() -> { }, closer)
                .thenRun(() -> {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closed already
                    }
                });
        try {
            channel.shutdownOutput();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            for (int n; total < MAX_DRAIN_BYTES && (n = in.read(buf)) > 0; ) {
                total += n;
            }
        } catch (IOException e) {
            // the client closed, or the deadline did
        } finally {
            deadline.cancel(false);
        }
    }
}
