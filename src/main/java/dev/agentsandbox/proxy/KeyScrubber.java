package dev.agentsandbox.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Removes a credential from a byte stream (an upstream that echoes the key in an error body) while
 * keeping it streaming: only a tail that could be the start of the key is held back, so
 * server-sent events still pass as they arrive.
 */
final class KeyScrubber {
    static final byte[] REPLACEMENT = "[REDACTED:proxy-key]".getBytes(StandardCharsets.US_ASCII);

    private final byte[] key;
    private byte[] held = new byte[0];

    /** @param key the credential; null or empty: nothing to scrub */
    KeyScrubber(String key) {
        this.key = key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    /** What may be passed on now of what was held plus these bytes. */
    byte[] accept(byte[] buf, int n) {
        byte[] all = new byte[held.length + n];
        System.arraycopy(held, 0, all, 0, held.length);
        System.arraycopy(buf, 0, all, held.length, n);
        if (key == null) {
            held = new byte[0];
            return all;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(all.length);
        int i = 0;
        int keep = all.length - partialKeyAtEnd(all);
        while (i < keep) {
            if (startsWithKey(all, i)) {
                out.write(REPLACEMENT, 0, REPLACEMENT.length);
                i += key.length;
            } else {
                out.write(all[i++]);
            }
        }
        held = java.util.Arrays.copyOfRange(all, Math.max(i, keep), all.length);
        return out.toByteArray();
    }

    /** The rest at the end of the stream. */
    byte[] finish() {
        byte[] rest = held;
        held = new byte[0];
        return rest;
    }

    private boolean startsWithKey(byte[] a, int at) {
        if (at + key.length > a.length) {
            return false;
        }
        for (int j = 0; j < key.length; j++) {
            if (a[at + j] != key[j]) {
                return false;
            }
        }
        return true;
    }

    /** Length of the longest tail of {@code a} that is a proper prefix of the key (it may continue in the next read). */
    private int partialKeyAtEnd(byte[] a) {
        for (int len = Math.min(key.length - 1, a.length); len > 0; len--) {
            boolean match = true;
            for (int j = 0; j < len; j++) {
                if (a[a.length - len + j] != key[j]) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return len;
            }
        }
        return 0;
    }
}
