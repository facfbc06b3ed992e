package dev.agentsandbox.change;

import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.HistogramDiff;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.errors.BinaryBlobException;
import org.eclipse.jgit.util.RawParseUtils;

/**
 * How the change's files are read as text, in one place for the collector, the policy, the patch
 * and the reports: a file is binary on its WHOLE content (a NUL byte, or a CR not followed by LF,
 * anywhere), so no file can look like text to the gates and like "Binary files differ" to the
 * reviewer; and the one diff algorithm, bounded in time on pathological input.
 */
public final class Content {
    /** Larger content is shown as binary (by the patch too): nothing past this is read as lines. */
    public static final int MAX_TEXT_BYTES = 50 << 20;

    private Content() {
    }

    /** Whether git shows this content as binary; the union of JGit's prefix and whole-content rules. */
    public static boolean isBinary(byte[] whole) {
        if (whole.length > MAX_TEXT_BYTES) {
            return true;
        }
        if (RawText.isBinary(whole, whole.length, true)) {
            return true;
        }
        try {
            RawParseUtils.lineMapOrBinary(whole, 0, whole.length);
            return false;
        } catch (BinaryBlobException e) {
            return true;
        }
    }

    /**
     * Histogram diff without the Myers fallback: a region of too many repeated lines becomes one
     * replace edit instead of a search quadratic in its size (a hostile file cannot stall the run).
     */
    public static DiffAlgorithm diffAlgorithm() {
        HistogramDiff d = new HistogramDiff();
        d.setFallbackAlgorithm(null);
        return d;
    }

    /** Lines of a text read from a stream, or -1 when it is binary by {@link #isBinary}'s rule; nothing is held. */
    public static int textLines(java.io.InputStream in) throws java.io.IOException {
        byte[] buf = new byte[64 * 1024];
        int lines = 0;
        long total = 0;
        byte last = '\n';
        for (int n; (n = in.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                byte c = buf[i];
                if (c == 0 || (last == '\r' && c != '\n')) {
                    return -1;
                }
                if (c == '\n') {
                    lines++;
                }
                last = c;
            }
            total += n;
            if (total > MAX_TEXT_BYTES) {
                return -1;
            }
        }
        if (last == '\r') {
            return -1;
        }
        return total > 0 && last != '\n' ? lines + 1 : lines;
    }

    /** Lines in this text: newlines, plus one for a last line without one. */
    public static int lineCount(byte[] text) {
        int n = 0;
        for (byte b : text) {
            if (b == '\n') {
                n++;
            }
        }
        return text.length > 0 && text[text.length - 1] != '\n' ? n + 1 : n;
    }
}
