package dev.agentsandbox.sandbox;

import dev.agentsandbox.console.SafeText;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Turns the raw output frames of a sandbox into redacted, console-safe lines ({@link SafeText}):
 * up to a byte limit each line goes to the listener (the live console) and into the kept output;
 * past it, one line says so and the rest is only counted. Memory and the console stay bounded
 * whatever the sandbox writes: a line with no end is cut into pieces, nothing past the limit is kept.
 */
public final class OutputCapture {
    /** A line longer than this is passed on in pieces (cut at whitespace when possible). */
    static final int MAX_LINE_CHARS = 64 * 1024;
    /** Cutting keeps this many trailing chars back so that a secret is not split across pieces. */
    private static final int CARRY_CHARS = 512;

    private final UnaryOperator<String> redactor;
    private final OutputListener listener;
    private final long maxBytes;
    /** What the console adds to each line ("[  12.3s] agent    | "). */
    static final int CONSOLE_PREFIX_BYTES = 31;
    private final StringBuilder kept = new StringBuilder();
    private final Map<OutputListener.Stream, Pending> pending = new EnumMap<>(OutputListener.Stream.class);
    private long keptBytes;
    private long totalBytes;
    private boolean truncated;

    public OutputCapture(UnaryOperator<String> redactor, OutputListener listener, long maxBytes) {
        this.redactor = redactor;
        this.listener = listener;
        this.maxBytes = maxBytes;
        for (OutputListener.Stream s : OutputListener.Stream.values()) {
            pending.put(s, new Pending());
        }
    }

    public synchronized void accept(OutputListener.Stream stream, byte[] bytes) {
        totalBytes += bytes.length;
        Pending p = pending.get(stream);
        p.decode(ByteBuffer.wrap(bytes), false);
        int nl;
        while ((nl = indexOf(p.text, '\n')) >= 0) {
            emit(stream, p.text.substring(0, nl));
            p.text.delete(0, nl + 1);
        }
        while (p.text.length() > MAX_LINE_CHARS) {
            int cut = cutPoint(p.text);
            emit(stream, p.text.substring(0, cut));
            p.text.delete(0, cut);
        }
    }

    public synchronized void finish() {
        for (Map.Entry<OutputListener.Stream, Pending> e : pending.entrySet()) {
            Pending p = e.getValue();
            p.decode(ByteBuffer.allocate(0), true);
            if (p.text.length() > 0) {
                emit(e.getKey(), p.text.toString());
                p.text.setLength(0);
            }
        }
    }

    public synchronized String output() {
        return kept.toString();
    }

    public synchronized long totalBytes() {
        return totalBytes;
    }

    public synchronized boolean truncated() {
        return truncated;
    }

    private void emit(OutputListener.Stream stream, String raw) {
        if (truncated) {
            return;
        }
        String line = SafeText.line(redactor.apply(raw));
        // charged as the console prints it: each line carries a prefix there, so a flood of empty lines
        // is bounded too (1m of output is at most about 32,000 console lines, not a million)
        long size = line.getBytes(StandardCharsets.UTF_8).length + 1L + CONSOLE_PREFIX_BYTES;
        if (keptBytes + size > maxBytes) {
            truncated = true;
            String notice = "[agent-sandbox: output past " + maxBytes + " bytes (sandbox.max-output) is neither shown nor kept;"
                    + " it is only counted]";
            kept.append(notice).append('\n');
            listener.line(stream, notice);
            return;
        }
        listener.line(stream, line);
        keptBytes += size;
        kept.append(line).append('\n');
    }

    private static int cutPoint(StringBuilder text) {
        int limit = text.length() - CARRY_CHARS;
        for (int i = limit; i > limit - CARRY_CHARS && i > 0; i--) {
            if (Character.isWhitespace(text.charAt(i))) {
                return i + 1;
            }
        }
        return limit;
    }

    private static int indexOf(StringBuilder sb, char c) {
        for (int i = 0; i < sb.length(); i++) {
            if (sb.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** Per-stream decoder that keeps a UTF-8 sequence split across frames intact. */
    private static final class Pending {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        final StringBuilder text = new StringBuilder();
        ByteBuffer leftover = ByteBuffer.allocate(0);

        void decode(ByteBuffer in, boolean end) {
            ByteBuffer all = ByteBuffer.allocate(leftover.remaining() + in.remaining());
            all.put(leftover).put(in).flip();
            CharBuffer out = CharBuffer.allocate(all.remaining() + 1);
            decoder.decode(all, out, end);
            if (end) {
                decoder.flush(out);
                decoder.reset();
            }
            out.flip();
            text.append(out);
            leftover = all.slice();
        }
    }
}
