package dev.agentsandbox.sandbox.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One program the sandbox ran, as gVisor's kernel saw it (an execve and the exit of its process).
 *
 * @param pid the process (thread group) id inside the sandbox
 * @param ppid its parent, when the trace saw the fork (0: not seen)
 * @param binary the executable's path
 * @param argv the arguments, redacted and bounded
 * @param cwd the working folder
 * @param startNanos when the execve happened (sandbox clock, ns since the epoch)
 * @param endNanos when the process exited (0: not seen, e.g. it replaced itself with another program)
 * @param exit "exit N", "signal N", or null when not seen
 */
public record ProcessRecord(int pid, int ppid, String binary, List<String> argv, String cwd, long startNanos, long endNanos, String exit) {
    public ProcessRecord {
        argv = List.copyOf(argv);
    }

    /** Not a program: the log broke here (a policy cannot judge what follows, so it stops the sandbox). */
    public static ProcessRecord broken(String why) {
        return new ProcessRecord(-1, 0, null, List.of(), null, 0, 0, BROKEN + why);
    }

    private static final String BROKEN = "log broken: ";

    /** Why the log broke, when this record says it did; null for a program. */
    public String breakReason() {
        return pid == -1 && exit != null && exit.startsWith(BROKEN) ? exit.substring(BROKEN.length()) : null;
    }

    ProcessRecord ended(long at, String how) {
        return new ProcessRecord(pid, ppid, binary, argv, cwd, startNanos, at, how);
    }

    /** The audit log's form ({@code "type": "process"}). */
    public Map<String, Object> toAudit() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "process");
        m.put("pid", pid);
        m.put("ppid", ppid);
        m.put("binary", binary);
        m.put("argv", argv);
        m.put("cwd", cwd);
        m.put("start", java.time.Instant.ofEpochSecond(0, startNanos).toString());
        m.put("end", endNanos == 0 ? null : java.time.Instant.ofEpochSecond(0, endNanos).toString());
        m.put("exit", exit);
        return m;
    }
}
