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

    private final java.util.List<Stage> stages;

    /** @param key the credential; null or empty: nothing to scrub */
    KeyScrubber(String key) {
        this(java.util.Collections.singletonList(key));
    }

    /** Scrubs each of these credentials (an upstream's key and the headers read from host variables), one after another. */
    KeyScrubber(java.util.List<String> keys) {
        this.stages = keys.stream().filter(k -> k != null && !k.isEmpty()).map(k -> new Stage(k.getBytes(StandardCharsets.UTF_8))).toList();
    }

    /** What may be passed on now of what was held plus these bytes. */
    byte[] accept(byte[] buf, int n) {
        byte[] out = java.util.Arrays.copyOf(buf, n);
        for (Stage s : stages) {
            out = s.accept(out, out.length);
        }
        return out;
    }

    /** The rest at the end of the stream: each stage's held tail goes through the stages after it. */
    byte[] finish() {
        byte[] carry = new byte[0];
        for (Stage s : stages) {
            byte[] passed = s.accept(carry, carry.length);
            byte[] rest = s.finish();
            carry = java.util.Arrays.copyOf(passed, passed.length + rest.length);
            System.arraycopy(rest, 0, carry, passed.length, rest.length);
        }
        return carry;
    }

    /** One credential's scrubber. */
    private static final class Stage {
        private final byte[] key;
        private byte[] held = new byte[0];

        Stage(byte[] key) {
            this.key = key;
        }

        /** What may be passed on now of what was held plus these bytes. */
        byte[] accept(byte[] buf, int n) {
            byte[] all = new byte[held.length + n];
            System.arraycopy(held, 0, all, 0, held.length);
            System.arraycopy(buf, 0, all, held.length, n);
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
}
