package dev.agentsandbox.proxy;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The memory all request bodies held at once may take. A body is read whole (its model and stream
 * options are read before it goes upstream), so a connection reserves its Content-Length before
 * reading a byte of it, and one that cannot within a few seconds is answered 503: half-sent bodies on
 * every connection cost the host this budget, not a heap.
 */
final class BodyBudget {
    private static final int UNIT = 1024;
    private final Semaphore units;
    private final long bytes;

    /** @param bytes what bodies may hold together; at least one body of the largest size allowed */
    BodyBudget(long bytes) {
        this.bytes = bytes;
        this.units = new Semaphore((int) Math.min(Integer.MAX_VALUE, (bytes + UNIT - 1) / UNIT));
    }

    /** The budget for a proxy whose bodies may be this large: four of them, and 16 MiB at least. */
    static BodyBudget forMaxBody(long maxBody) {
        return new BodyBudget(Math.max(16L << 20, 4 * maxBody));
    }

    long bytes() {
        return bytes;
    }

    /** Reserves room for a body of this length, waiting a little; false when there is none. */
    boolean reserve(long length, long waitMillis) throws InterruptedException {
        return length == 0 || units.tryAcquire(units(length), waitMillis, TimeUnit.MILLISECONDS);
    }

    void release(long length) {
        if (length > 0) {
            units.release(units(length));
        }
    }

    private static int units(long length) {
        return (int) ((length + UNIT - 1) / UNIT);
    }
}
