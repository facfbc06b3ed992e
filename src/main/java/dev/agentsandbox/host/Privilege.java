package dev.agentsandbox.host;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How this process may run a host tool as root: it is root, or sudo lets it run that tool without
 * a password (a GitHub-hosted runner's user may run anything; a Jenkins agent may be allowed only
 * mount, umount and runsc), or not at all (a GitLab shell runner). Asked per tool with
 * {@code sudo -n -l TOOL}, so a sudoers entry limited to those tools is enough. The answers are
 * kept for the life of the process.
 */
public final class Privilege {
    private static final List<Path> SBIN = List.of(Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"), Path.of("/usr/sbin"),
            Path.of("/usr/bin"), Path.of("/sbin"), Path.of("/bin"));
    private static final Map<Path, Boolean> SUDO = new ConcurrentHashMap<>();
    private static volatile Boolean root;

    private Privilege() {
    }

    /** Whether this process runs as root (its effective uid). */
    public static boolean isRoot() {
        Boolean r = root;
        if (r == null) {
            try {
                r = Files.readAllLines(Path.of("/proc/self/status")).stream()
                        .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
            } catch (IOException e) {
                r = false;
            }
            root = r;
        }
        return r;
    }

    /** A tool by name on PATH or in the sbin folders (mkfs and runsc live there, off a non-root PATH), or null. */
    public static Path find(String name) {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        dirs.addAll(SBIN);
        for (Path d : dirs) {
            Path p = d.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    /**
     * The command line that runs {@code tool} as root: the tool itself when this process is root,
     * behind {@code sudo -n} when sudo allows that tool, else null.
     */
    public static List<String> asRoot(Path tool) {
        if (isRoot()) {
            return List.of(tool.toString());
        }
        return SUDO.computeIfAbsent(tool, Privilege::sudoAllows) ? List.of("sudo", "-n", tool.toString()) : null;
    }

    /** Why {@code tool} cannot run as root here (for messages), or null when it can. */
    public static String whyNot(Path tool) {
        if (asRoot(tool) != null) {
            return null;
        }
        String user = System.getProperty("user.name");
        return find("sudo") == null
                ? "agent-sandbox runs as " + user + ", not root, and sudo is not installed"
                : "agent-sandbox runs as " + user + ", not root, and sudo does not let it run " + tool + " without a password";
    }

    private static boolean sudoAllows(Path tool) {
        Path sudo = find("sudo");
        if (sudo == null) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(sudo.toString(), "-n", "-l", tool.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
