package dev.agentsandbox.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stat data of every tracked file and folder of a checkout when it was examined: a file
 * written, or a file made in a folder, after that changes a ctime or an mtime. Checked again before
 * the checks stand on the checkout, which is long after the examination.
 */
public final class Watch {
    private static final String ATTRS = "unix:ctime,lastModifiedTime,size";
    private final Path top;
    private final List<String> paths = new ArrayList<>();
    private final List<long[]> seen = new ArrayList<>();

    Watch(Path top) {
        this.top = top;
    }

    void add(String path, Map<String, Object> attrs) {
        paths.add(path);
        seen.add(stamp(attrs));
    }

    /** The first path whose stat data changed, in words, or null when none did. Stats on all cores. */
    String changed() {
        String[] found = new String[paths.size()];
        java.util.stream.IntStream.range(0, paths.size()).parallel().forEach(i -> {
            String p = paths.get(i);
            String what = p.isEmpty() ? "its top folder" : p;
            try {
                long[] now = stamp(Files.readAttributes(p.isEmpty() ? top : top.resolve(p), ATTRS, LinkOption.NOFOLLOW_LINKS));
                if (!java.util.Arrays.equals(now, seen.get(i))) {
                    found[i] = what + " changed";
                }
            } catch (IOException e) {
                found[i] = what + " is gone";
            }
        });
        for (String f : found) {
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    private static long[] stamp(Map<String, Object> a) {
        return new long[] {((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS),
            ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), (Long) a.get("size")};
    }
}
