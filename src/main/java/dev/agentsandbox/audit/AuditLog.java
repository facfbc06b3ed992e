package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The hash-chained audit log of a run: one JSON record a line, each carrying the SHA-256 of the
 * previous line's exact bytes ({@code prev}; the first carries {@link #GENESIS}). Every append is
 * forced to disk before it returns, so a crash loses at most the record being written; a torn
 * last line found on reopening is cut off and the cut is itself recorded.
 */
public final class AuditLog implements AutoCloseable {
    public static final String GENESIS = "0".repeat(64);
    static final ObjectMapper JSON = new ObjectMapper();

    private final FileChannel channel;
    private final Clock clock;
    private final UnaryOperator<String> redactor;
    private long seq;
    private String prev;

    private AuditLog(FileChannel channel, Clock clock, UnaryOperator<String> redactor, long seq, String prev) {
        this.channel = channel;
        this.clock = clock;
        this.redactor = redactor;
        this.seq = seq;
        this.prev = prev;
    }

    /** Opens (or creates) a log and continues its chain. */
    public static AuditLog open(Path file, Clock clock, UnaryOperator<String> redactor) throws InfrastructureException {
        try {
            byte[] existing = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            int end = existing.length;
            while (end > 0 && existing[end - 1] != '\n') {
                end--;
            }
            boolean torn = end < existing.length;
            long seq = 0;
            String prev = GENESIS;
            if (end > 0) {
                int start = end - 1;
                while (start > 0 && existing[start - 1] != '\n') {
                    start--;
                }
                byte[] last = java.util.Arrays.copyOfRange(existing, start, end - 1);
                seq = JSON.readTree(last).path("seq").asLong() + 1;
                prev = Digests.sha256(last);
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            ch.truncate(end);
            ch.position(end);
            AuditLog log = new AuditLog(ch, clock, redactor, seq, prev);
            if (torn) {
                log.append("audit", "recovered", Map.of("droppedBytes", existing.length - end,
                        "reason", "the last record was not complete (a crash while writing it)"));
            }
            return log;
        } catch (IOException e) {
            throw new InfrastructureException("cannot open the audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Continues a log exactly where the verified bytes end ({@code approve}, {@code merge}): never
     * through a link, never repairing anything, and only if the file is still as long as what was
     * verified. What follows is chained to the verified records, so a change made on disk in
     * between breaks the chain and fails the next verification.
     */
    public static AuditLog continueVerified(Path file, byte[] verified, Clock clock, UnaryOperator<String> redactor)
            throws InfrastructureException, dev.agentsandbox.error.RefusedException {
        if (verified.length > 0 && verified[verified.length - 1] != '\n') {
            throw new dev.agentsandbox.error.RefusedException("the audit log ends in an incomplete record: only the run that wrote it may repair it");
        }
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (ch.size() != verified.length) {
                ch.close();
                throw new dev.agentsandbox.error.RefusedException("the audit log changed after it was verified; nothing was done");
            }
            ch.position(verified.length);
            long seq = 0;
            String prev = GENESIS;
            if (verified.length > 0) {
                int start = verified.length - 1;
                while (start > 0 && verified[start - 1] != '\n') {
                    start--;
                }
                byte[] last = java.util.Arrays.copyOfRange(verified, start, verified.length - 1);
                seq = JSON.readTree(last).path("seq").asLong() + 1;
                prev = Digests.sha256(last);
            }
            return new AuditLog(ch, clock, redactor, seq, prev);
        } catch (IOException e) {
            throw new InfrastructureException("cannot open the audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends a record and returns its hash (the next record's prev). */
    public synchronized String append(String stage, String event, Map<String, ?> data) throws InfrastructureException {
        ObjectNode rec = JSON.createObjectNode();
        rec.put("seq", seq);
        rec.put("time", clock.instant().toString());
        rec.put("stage", stage);
        rec.put("event", event);
        rec.set("data", JSON.valueToTree(data));
        rec.put("prev", prev);
        try {
            String line = redactor.apply(JSON.writeValueAsString(rec));
            if (line.indexOf('\n') >= 0) {
                throw new IllegalStateException("a redactor must not add line breaks");
            }
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
            prev = Digests.sha256(bytes);
            seq++;
            return prev;
        } catch (IOException e) {
            throw new InfrastructureException("cannot append to the audit log: " + e.getMessage()
                    + " (is the disk full?)", e);
        }
    }

    /** The hash of the last record, and its sequence number. */
    public synchronized Head head() {
        return new Head(seq - 1, prev);
    }

    public record Head(long seq, String hash) {
    }

    @Override
    public synchronized void close() throws InfrastructureException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new InfrastructureException("cannot close the audit log: " + e.getMessage(), e);
        }
    }
}
