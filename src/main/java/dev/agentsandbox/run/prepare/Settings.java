package dev.agentsandbox.run.prepare;

import dev.agentsandbox.run.RunRequest;
import dev.agentsandbox.secrets.Redaction;
import dev.agentsandbox.run.HostEnvironment;
import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent and sandbox settings of one run: the configuration with the command line's overrides
 * applied and checked, and the template every sandbox of the run is made from.
 */
public record Settings(String image, List<String> command, dev.agentsandbox.config.Tier tier, String runtime, Limits limits,
                Map<String, String> env, long diskBytes, List<dev.agentsandbox.sandbox.Mount> caches) {
    /** The limits of every sandbox of a run, as the configuration gives them. */
    public static Settings of(RunConfig c, RunRequest r, HostEnvironment host) throws UsageException {
        String image = r.overrides().image() != null ? r.overrides().image() : c.agent().image();
        List<String> command = r.overrides().command() != null ? r.overrides().command() : c.agent().command();
        if (image == null || image.isBlank()) {
            throw new UsageException("no agent image: give --image or agent.image in .agent-sandbox.yml");
        }
        if (command == null || command.isEmpty()) {
            throw new UsageException("no agent command: give --command or agent.command in .agent-sandbox.yml");
        }
        var s = c.sandbox();
        Limits limits = Limits.of(s);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/tmp");
        env.put("LANG", "C.UTF-8");
        for (String name : s.envAllow()) {
            String v = host.get(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        env.putAll(s.env());
        dev.agentsandbox.sandbox.Isolation isolation;
        try {
            // the command line's tier comes with its own runtime unless one is named there too
            dev.agentsandbox.config.Tier tier = r.overrides().tier() != null ? dev.agentsandbox.config.Tier.parse(r.overrides().tier()) : s.tier();
            isolation = dev.agentsandbox.sandbox.Isolation.of(tier, r.overrides().runtime() != null ? r.overrides().runtime() : r.overrides().tier() != null ? null : s.runtime(),
                    s.platform());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        dev.agentsandbox.config.Tier tier = isolation.tier();
        String runtime = isolation.runtime();
        try {
            new SandboxTemplate("check", tier, runtime, limits, Map.of(), null).spec("check", image, command, Map.of(), List.of());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return new Settings(image, command, tier, runtime, limits, env, s.diskBytes(), caches(s.caches()));
    }

    /** Names a dependency cache must never hold: credentials of the tools whose caches these are. */
    private static final List<String> SECRET_FILES = List.of("settings.xml", "settings-security.xml", ".npmrc", ".netrc", ".pypirc",
            ".git-credentials", "credentials", "credentials.json", ".docker", ".ssh", "auth.json", "config.json");
    private static final List<String> SECRET_DIRS = List.of(".ssh", ".gnupg", ".aws", ".kube", ".docker", ".azure", ".config",
            ".password-store", ".git");

    /**
     * The caches as read-only mounts, checked: a real folder (no link), not the home folder or a system
     * folder, nothing of a credential store on its path, and no credential file at its top (a whole ~/.m2
     * carries settings.xml: mount ~/.m2/repository instead).
     */
    private static List<dev.agentsandbox.sandbox.Mount> caches(List<dev.agentsandbox.config.SandboxConfig.Cache> caches) throws UsageException {
        List<dev.agentsandbox.sandbox.Mount> out = new java.util.ArrayList<>();
        java.nio.file.Path home = java.nio.file.Path.of(System.getProperty("user.home")).toAbsolutePath().normalize();
        for (var c : caches) {
            String h = c.host().startsWith("~/") ? home + c.host().substring(1) : c.host();
            java.nio.file.Path p = java.nio.file.Path.of(h).toAbsolutePath().normalize();
            java.nio.file.Path real;
            try {
                real = p.toRealPath();
            } catch (java.io.IOException e) {
                throw new UsageException("sandbox.caches: " + c.host() + " does not exist on this host (" + e.getMessage() + ")");
            }
            if (!real.equals(p) || !java.nio.file.Files.isDirectory(real, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new UsageException("sandbox.caches: " + c.host() + " must be a folder reached through no link (it is " + real + ")");
            }
            if (real.getNameCount() < 2 || real.equals(home) || List.of("/etc", "/root", "/home", "/var", "/run", "/var/run", "/proc", "/sys",
                    "/dev", "/usr", "/boot").contains(real.toString())) {
                throw new UsageException("sandbox.caches: " + real + " is too wide to give a sandbox; name the cache folder itself"
                        + " (e.g. ~/.m2/repository)");
            }
            for (java.nio.file.Path part : real) {
                if (SECRET_DIRS.contains(part.toString())) {
                    throw new UsageException("sandbox.caches: " + real + " lies in " + part + ", where credentials are kept");
                }
            }
            for (String f : SECRET_FILES) {
                if (java.nio.file.Files.exists(real.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new UsageException("sandbox.caches: " + real + " holds " + f + " (credentials?): give the cache folder"
                            + " only (e.g. ~/.m2/repository, not ~/.m2)");
                }
            }
            try {
                var perms = java.nio.file.Files.getPosixFilePermissions(real, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
                        || !perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    // The sandbox runs as uid 65534: a folder only its owner reads is an empty cache inside, and builds fail obscurely.
                    throw new UsageException("sandbox.caches: " + real + " is not readable by the sandbox's user (uid 65534; it has "
                            + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "): give others read access to the cache"
                            + " (chmod -R o+rX " + real + "), or point at a copy that has it");
                }
            } catch (java.io.IOException e) {
                throw new UsageException("sandbox.caches: cannot read the permissions of " + real + ": " + e.getMessage());
            }
            for (String runtime : List.of("/run/", "/var/run/", "/dev/shm/")) {
                if ((real + "/").startsWith(runtime)) {
                    throw new UsageException("sandbox.caches: " + real + " lies in " + runtime + ", where the host keeps sockets and other"
                            + " processes' files: give a cache folder elsewhere");
                }
            }
            String other = special(real);
            if (other != null) {
                // the runtime lets a sandbox open host sockets (for the model proxy's), so a socket in a cache would be a door out
                throw new UsageException("sandbox.caches: " + real + " holds " + other + ": a cache holds files and folders only");
            }
            out.add(new dev.agentsandbox.sandbox.Mount(real, c.path(), true));
        }
        return out;
    }

    /** The first socket, FIFO or device below the folder (what a sandbox could open through a read-only mount), or null. */
    private static String special(java.nio.file.Path root) throws UsageException {
        String[] found = {null};
        long[] seen = {0};
        try {
            java.nio.file.Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(java.nio.file.Path f, java.nio.file.attribute.BasicFileAttributes a) {
                    if (++seen[0] > MAX_CACHE_ENTRIES) {
                        found[0] = "more than " + MAX_CACHE_ENTRIES + " entries, too many to check";
                        return java.nio.file.FileVisitResult.TERMINATE;
                    }
                    if (a.isOther()) {
                        found[0] = "the socket, FIFO or device " + f;
                        return java.nio.file.FileVisitResult.TERMINATE;
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (java.io.IOException e) {
            throw new UsageException("sandbox.caches: cannot check " + root + ": " + e.getMessage());
        }
        return found[0];
    }

    private static final long MAX_CACHE_ENTRIES = 1_000_000;

    /** @param knownSecrets read for every line: the proxy's keys and the credentials it renewed so far */
    public SandboxTemplate template(String runId, java.util.function.Supplier<List<String>> knownSecrets) {
        // Output is shown and kept only after credentials in it are redacted: the keys the proxy
        // holds by value, everything else by the scanner's rules.
        return new SandboxTemplate(runId, tier, runtime, limits, env, line -> {
            String l = line;
            for (String k : knownSecrets.get()) {
                l = l.replace(k, "[REDACTED:proxy-key]");
            }
            return Redaction.redact(l);
        }, caches);
    }
}
