package dev.agentsandbox.sandbox;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Labels on every container the tool creates: they let {@code cleanup} find what a crashed or
 * killed process left behind, and tell it apart from containers of runs still going.
 */
public final class Labels {
    public static final String MANAGED = "dev.agentsandbox.managed";
    public static final String RUN = "dev.agentsandbox.run";
    public static final String PURPOSE = "dev.agentsandbox.purpose";
    public static final String CREATOR_HOST = "dev.agentsandbox.creator-host";
    public static final String CREATOR_PID = "dev.agentsandbox.creator-pid";
    public static final String CREATOR_START = "dev.agentsandbox.creator-start";
    /** The creator's PID namespace and boot: a pid means something only within both. */
    public static final String CREATOR_PIDNS = "dev.agentsandbox.creator-pidns";

    private Labels() {
    }

    public static Map<String, String> forSandbox(SandboxSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MANAGED, "true");
        m.put(RUN, spec.runId());
        m.put(PURPOSE, spec.purpose());
        m.putAll(creator());
        return m;
    }

    /** Which process on which host created a sandbox: for {@link #creatorIsGone}. */
    public static Map<String, String> creator() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(CREATOR_HOST, hostName());
        m.put(CREATOR_PIDNS, pidNamespace());
        ProcessHandle self = ProcessHandle.current();
        m.put(CREATOR_PID, Long.toString(self.pid()));
        m.put(CREATOR_START, self.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("0"));
        return m;
    }

    /**
     * Whether the process that created a container with these labels is gone. Only answers for
     * this host; a pid alone is not enough since pids are reused, so the start time must match.
     */
    public static boolean creatorIsGone(Map<String, String> labels) {
        // Runners in containers may share a host name and a Docker daemon but not a PID namespace:
        // there another runner's live pid would look dead from here, so only our own are judged.
        if (!hostName().equals(labels.get(CREATOR_HOST)) || !pidNamespace().equals(labels.get(CREATOR_PIDNS))) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(labels.getOrDefault(CREATOR_PID, ""));
        } catch (NumberFormatException e) {
            return true;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return true;
        }
        String start = p.get().info().startInstant().map(Instant::toEpochMilli).map(String::valueOf).orElse("0");
        return !start.equals(labels.get(CREATOR_START));
    }

    /** This process's PID namespace and the machine's boot, e.g. "pid:[4026531836]@3f2a…"; stable for the process's life. */
    static String pidNamespace() {
        String ns;
        String boot;
        try {
            ns = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")).toString();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            ns = "pid:?";
        }
        try {
            boot = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (java.io.IOException e) {
            boot = "?";
        }
        return ns + "@" + boot;
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown");
        }
    }
}
