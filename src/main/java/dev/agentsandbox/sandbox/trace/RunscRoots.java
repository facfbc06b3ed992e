package dev.agentsandbox.sandbox.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where runsc may keep a container's state: the roots of Docker's usual state folder, then the
 * root the container's own runsc processes were started with. A daemon with an exec root of its
 * own (a second daemon, Docker in Docker, a packaged layout) keeps it elsewhere, and only the
 * container's runsc processes say where.
 */
final class RunscRoots {
    static final List<Path> KNOWN = List.of(Path.of("/run/docker/runtime-runsc/moby"), Path.of("/run/docker/runtime-runc/moby"),
            Path.of("/var/run/docker/runtime-runsc/moby"), Path.of("/var/run/docker/runtime-runc/moby"));

    private RunscRoots() {
    }

    /** The known roots, then the roots of root-owned runsc processes whose arguments name the container. */
    static List<Path> of(String containerId) {
        Set<Path> roots = new LinkedHashSet<>(KNOWN);
        roots.addAll(ofProcesses(Path.of("/proc"), containerId));
        return new ArrayList<>(roots);
    }

    /** Whether a root-owned runsc process of the container still runs (the sandbox's kernel or its gofer). */
    static boolean sandboxRuns(String containerId) {
        return !ofProcesses(Path.of("/proc"), containerId).isEmpty();
    }

    static List<Path> ofProcesses(Path proc, String containerId) {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(proc)) {
            for (Path p : (Iterable<Path>) s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))::iterator) {
                Path root = rootOf(p, containerId);
                if (root != null && !found.contains(root)) {
                    found.add(root);
                }
            }
        } catch (IOException e) {
            return found;
        }
        return found;
    }

    private static Path rootOf(Path process, String containerId) {
        try {
            // Only root's: a process of another local user could name the container and a state root it made up.
            if (!Integer.valueOf(0).equals(Files.getAttribute(process, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
                return null;
            }
            String[] args = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
            if (args.length == 0 || !Path.of(args[0]).getFileName().toString().startsWith("runsc")
                    || Stream.of(args).noneMatch(a -> a.contains(containerId))) {
                return null;
            }
            for (int i = 0; i < args.length; i++) {
                String v = args[i].startsWith("--root=") ? args[i].substring(7) : args[i].equals("--root") && i + 1 < args.length ? args[i + 1] : null;
                if (v != null && v.startsWith("/")) {
                    return Path.of(v).normalize();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // gone, or not readable: not a candidate
        }
        return null;
    }
}
