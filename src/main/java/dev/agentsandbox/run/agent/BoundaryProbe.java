package dev.agentsandbox.run.agent;

import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Proof at every run that the sandbox holds: before the agent's command, in the same sandbox, a
 * probe of shell builtins only (no program of its own) reports the network interfaces, the
 * effective capabilities, the user, whether the root is writable, the kernel and the names of the
 * variables it sees. The host judges the report (the agent cannot change what was printed before
 * it started); a boundary that does not hold fails the run, and the report goes into the attestation.
 */
final class BoundaryProbe {
    static final String NAME = "agent-sandbox-probe";
    private static final String PREFIX = NAME + " ";
    private static final String SCRIPT = ""
            + "p() { printf '" + PREFIX + "%s\\n' \"$*\"; }\n"
            + "ifs=\n"
            + "while read -r l; do case \"$l\" in *:*) n=${l%%:*}; n=${n##* }; [ \"$n\" = lo ] || ifs=\"$ifs$n,\";; esac; done < /proc/net/dev\n"
            + "p \"net ${ifs:-none}\"\n"
            + "while read -r k v rest; do case \"$k\" in CapEff:) p \"cap $v\";; Uid:) p \"uid $v\";; esac; done < /proc/self/status\n"
            + "if ( : > /." + NAME + " ) 2>/dev/null; then p 'root writable'; else p 'root read-only'; fi\n"
            + "read -r kernel < /proc/version; p \"kernel $kernel\"\n"
            // dash prints "export NAME=...", bash "declare -x NAME=..."
            + "export -p | while read -r e kv; do case \"$e\" in export|declare) kv=${kv#-x }; p \"env ${kv%%=*}\";; esac; done\n"
            + "p end\n"
            + "exec \"$@\"\n";
    /** Variables a container has without anyone passing them. */
    private static final Set<String> AMBIENT = Set.of("PATH", "HOME", "HOSTNAME", "PWD", "OLDPWD", "SHLVL", "TERM", "_");

    private BoundaryProbe() {
    }

    static List<String> wrap(List<String> command) {
        return wrap(command, List.of());
    }

    /**
     * The probe, then the command; with {@code denied} programs (a deny rule's first word), the probe
     * also prints each one's size and SHA-256 as the image has it, so that a copy of it is known
     * ({@link ProgramCopies}). Those two programs run before the agent's command and are not judged.
     */
    static List<String> wrap(List<String> command, java.util.Collection<String> denied) {
        StringBuilder digests = new StringBuilder();
        for (String name : denied) {
            if (name.matches("[A-Za-z0-9._+/-]{1,255}")) {
                digests.append("f=$(command -v '").append(name).append("') && [ -f \"$f\" ] && d=$(sha256sum < \"$f\" 2>/dev/null)"
                        + " && n=$(wc -c < \"$f\") && p \"digest $n ${d%% *} $f\"\n");
            }
        }
        List<String> c = new ArrayList<>(List.of("sh", "-c", SCRIPT.replace("p end\n", digests + "p end\n"), NAME));
        c.addAll(command);
        return c;
    }

    /**
     * The report and its findings.
     *
     * @param facts what the probe saw, as the attestation records it
     * @param findings what does not hold (each fails the agent gate)
     */
    record Result(Map<String, Object> facts, List<Finding> findings) {
    }

    /** "SIZE SHA256 PATH" from a probe's digest line, or null for any other line. */
    static String digestLine(String line) {
        String d = PREFIX + "digest ";
        return line.startsWith(d) && line.substring(d.length()).matches("[0-9]+ [0-9a-f]{64} /.*") ? line.substring(d.length()) : null;
    }

    /** Whether this is the probe's last line: the agent's command starts after it. */
    static boolean isEnd(String line) {
        return line.equals(PREFIX + "end");
    }

    static Result judge(String output, Set<String> passedEnv, Tier tier) {
        return judge(output, passedEnv, tier, dev.agentsandbox.sandbox.SandboxUser.NOBODY);
    }

    /** @param user who the sandbox was started as: nobody, or the owner of the checkout its workspace stands on */
    static Result judge(String output, Set<String> passedEnv, Tier tier, dev.agentsandbox.sandbox.SandboxUser user) {
        Map<String, Object> facts = new LinkedHashMap<>();
        List<Finding> f = new ArrayList<>();
        Set<String> env = new TreeSet<>();
        boolean ended = false;
        for (String line : output.lines().toList()) {
            if (!line.startsWith(PREFIX)) {
                break; // the report is what came first; anything later is the agent's
            }
            String[] kv = line.substring(PREFIX.length()).split(" ", 2);
            String v = kv.length > 1 ? kv[1] : "";
            switch (kv[0]) {
                case "net" -> facts.put("network", v.equals("none") ? "loopback only" : v);
                case "cap" -> facts.put("capabilities", v);
                case "uid" -> facts.put("uid", v.split("\\s+")[0]);
                case "root" -> facts.put("root", v);
                case "kernel" -> facts.put("kernel", v);
                case "env" -> env.add(v);
                case "digest" -> facts.merge("deniedDigests", 1, (a, b) -> (Integer) a + (Integer) b);
                case "end" -> ended = true;
                default -> { }
            }
            if (ended) {
                break;
            }
        }
        if (!ended) {
            f.add(Finding.of(AgentGate.NAME, "boundary-probe", Verdict.FAIL, "the sandbox's boundary probe did not report (no /bin/sh in"
                    + " the image, or the sandbox did not start its command): the run cannot show that the sandbox held"));
            return new Result(Map.of("reported", false), f);
        }
        if (!"loopback only".equals(facts.get("network"))) {
            f.add(fail("the sandbox has network interfaces besides loopback: " + facts.get("network")));
        }
        if (!"0000000000000000".equals(facts.get("capabilities"))) {
            f.add(fail("the sandbox's process has capabilities (CapEff " + facts.get("capabilities") + ")"));
        }
        if (!String.valueOf(user.uid()).equals(facts.get("uid"))) {
            f.add(fail("the sandbox runs as uid " + facts.get("uid") + ", not " + user.uid()));
        }
        if (!"read-only".equals(facts.get("root"))) {
            f.add(fail("the sandbox's root file system is writable"));
        }
        String hostKernel = hostKernel();
        boolean ownKernel = hostKernel == null || !hostKernel.equals(facts.get("kernel"));
        facts.put("ownKernel", ownKernel);
        if (tier == Tier.GVISOR && !ownKernel) {
            f.add(fail("the sandbox sees the host's kernel (" + hostKernel + "), not gVisor's"));
        }
        Set<String> extra = new TreeSet<>(env);
        extra.removeAll(passedEnv);
        extra.removeAll(AMBIENT);
        facts.put("variables", env.size());
        if (!extra.isEmpty()) {
            f.add(fail("the sandbox sees variables it was not given: " + String.join(", ", extra)));
        }
        facts.put("held", f.isEmpty());
        return new Result(facts, f);
    }

    private static Finding fail(String what) {
        return Finding.of(AgentGate.NAME, "boundary", Verdict.FAIL, what + "; the run fails rather than trust a weaker sandbox");
    }

    private static String hostKernel() {
        try {
            return Files.readString(Path.of("/proc/version")).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
