package dev.agentsandbox.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The program a process really runs, as {@code policy.processes} judges it: the path the kernel
 * resolved (argv[0] is the caller's choice: {@code execv("/usr/bin/perl", ["python3"])}), the
 * program the dynamic loader was asked to load ({@code ld-linux.so /usr/bin/perl}), and whether it
 * has no name at all (memfd_create + fexecve, a deleted file).
 *
 * @param binary the path judged (null: anonymous)
 * @param argv the arguments after the program (the loader's own options removed)
 * @param anonymous whether the program has no path to judge
 */
record Program(String binary, List<String> argv, boolean anonymous) {
    /** What a rule names to allow programs with no path. */
    static final String ANONYMOUS = "(anonymous)";
    private static final Pattern LOADER = Pattern.compile("ld-linux[-a-z0-9_.]*\\.so(\\.\\d+)*|ld\\.so(\\.\\d+)*|ld-musl-[a-z0-9_]+\\.so(\\.\\d+)*|ld64\\.so(\\.\\d+)*");
    /** The loader's options that take a value (glibc's ld.so --help). */
    private static final Set<String> LOADER_VALUED = Set.of("--library-path", "--inhibit-rpath", "--audit", "--preload", "--argv0",
            "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask");

    static Program of(List<String> argv, String binary) {
        List<String> args = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
        if (binary == null || binary.isBlank() || binary.startsWith("/memfd:") || binary.contains(" (deleted)")
                || binary.matches("/proc/[^/]+/fd/.*") || binary.startsWith("/dev/fd/")) {
            return new Program(null, args, true);
        }
        if (LOADER.matcher(name(binary)).matches()) {
            // ld.so PROGRAM ARGS: the loader runs PROGRAM, which is what is judged
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (LOADER_VALUED.contains(a)) {
                    i++;
                } else if (!a.startsWith("--")) {
                    return Program.of(new ArrayList<>(args.subList(i, args.size())), a);
                }
            }
        }
        return new Program(binary, args, false);
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The arguments with git-style global options before the subcommand skipped ({@code git -c x=y
     * --no-pager push} is {@code push}): an argument rule names the subcommand, wherever the options put it.
     */
    List<String> subcommand() {
        int i = 0;
        while (i < argv.size() && argv.get(i).startsWith("-")) {
            String a = argv.get(i);
            // the global options that take the next word as their value (git's, and the same shape elsewhere)
            boolean valued = a.equals("-c") || a.equals("-C") || (a.startsWith("--") && !a.contains("=")
                    && Set.of("--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix", "--exec-path").contains(a)
                    && !a.equals("--exec-path"));
            i += valued ? 2 : 1;
        }
        return i >= argv.size() ? List.of() : argv.subList(i, argv.size());
    }
}
