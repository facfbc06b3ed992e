package dev.agentsandbox.sandbox.trace;

import com.google.protobuf.CodedInputStream;
import dev.agentsandbox.host.Privilege;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The programs a gVisor sandbox runs, recorded from its kernel's side: a runsc trace session
 * (execve, clone and task-exit points) attached to the running sandbox, its events delivered over a
 * SOCK_SEQPACKET socket on the host (gVisor's "remote" sink). The agent cannot hide from it or write
 * to it. The sandbox's kernel is still not trusted: every field is bounded and parse errors end the
 * trace rather than the run, recorded as such.
 */
public final class ProcessTrace implements AutoCloseable {
    /** The largest message read: an execve's whole argument vector and environment fit (Linux allows about 2 MiB). */
    static final int MAX_PACKET = 8 * 1024 * 1024;
    static final int MAX_RECORDS = 5000;
    static final int MAX_ARGS = 64;
    static final int MAX_ARG = 512;
    private static final int TYPE_CLONE = 2;
    private static final int TYPE_EXEC = 3;
    private static final int TYPE_TASK_EXIT = 5;
    /** Where dockerd's runsc keeps its state: runtime-NAME under its exec root (Docker 23 and later), runtime-runc before. */

    private final SeqPacketServer server;
    private final UnaryOperator<String> redactor;
    private final Thread reader;
    private final List<ProcessRecord> records = new ArrayList<>();
    private final Map<Integer, Integer> lastByPid = new HashMap<>();
    private final Map<Integer, Integer> parents = new HashMap<>();
    private volatile boolean stop;
    private long dropped;
    private long omitted;
    private String broken;

    private final java.util.function.Consumer<ProcessRecord> onExec;

    private ProcessTrace(SeqPacketServer server, UnaryOperator<String> redactor, java.util.function.Consumer<ProcessRecord> onExec) {
        this.server = server;
        this.redactor = redactor;
        this.onExec = onExec;
        this.reader = new Thread(this::read, "agent-sandbox-process-trace");
        this.reader.setDaemon(true);
    }

    /**
     * Attaches a trace session to the running gVisor sandbox of this container and returns once
     * the sandbox's kernel is connected: from then on every program it starts is seen.
     */
    public static ProcessTrace attach(String containerId, Path dir, UnaryOperator<String> redactor,
            java.util.function.Consumer<ProcessRecord> onExec) throws IOException {
        List<String> runsc = runscAsRoot();
        Path root = stateRoot(runsc, containerId);
        Path socket = dir.resolve("trace.sock");
        Path shortDir = null;
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 100) {
            // AF_UNIX paths hold 107 bytes: a deep scratch folder gets a private short one for the socket.
            shortDir = Files.createTempDirectory(Path.of("/tmp"), "agent-sandbox-trace-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            socket = shortDir.resolve("t.sock");
        }
        Path session = dir.resolve("trace-session.json");
        Files.writeString(session, """
                {"trace_session": {"name": "Default", "points": [
                  {"name": "sentry/execve", "context_fields": ["time", "thread_id", "group_id", "cwd"]},
                  {"name": "sentry/clone", "context_fields": ["time", "thread_id", "group_id"]},
                  {"name": "sentry/task_exit", "context_fields": ["time", "thread_id", "group_id"]}
                 ], "sinks": [{"name": "remote", "config": {"endpoint": %s}}]}}
                """.formatted(com.fasterxml.jackson.databind.node.TextNode.valueOf(socket.toString())));
        SeqPacketServer server = SeqPacketServer.bind(socket);
        try {
            List<String> cmd = new ArrayList<>(runsc);
            cmd.addAll(List.of("--root", root.toString(), "trace", "create", "--config", session.toString(), containerId));
            Process attach = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            // runsc connects to the socket for the sandbox and waits for the handshake: answer it first.
            if (!server.accept(STATE_WAIT_SECONDS * 1000)) { // it too waits for the container's lock first
                attach.destroyForcibly();
                String out = new String(attach.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
                throw new IOException("the sandbox never connected to its trace socket" + (out.isEmpty() ? "" : ": " + out));
            }
            byte[] hello = server.receive(256, 10_000);
            if (hello == null || hello.length == 0) {
                throw new IOException("the sandbox sent no trace handshake");
            }
            server.send(new byte[] {0x08, 0x01}); // Handshake{version: 1}
            if (!attach.waitFor(20, TimeUnit.SECONDS) || attach.exitValue() != 0) {
                attach.destroyForcibly();
                String out = new String(attach.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
                throw new IOException("runsc trace create failed: " + out);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        } catch (InterruptedException e) {
            server.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while attaching the process trace", e);
        } finally {
            // runsc connects by path once, while attaching: the name goes, the connection stays.
            Files.deleteIfExists(socket);
            if (shortDir != null) {
                Files.deleteIfExists(shortDir);
            }
        }
        ProcessTrace t = new ProcessTrace(server, redactor, onExec);
        t.reader.start();
        return t;
    }

    /**
     * Why this host cannot attach a process trace, or null when it can: runsc keeps each sandbox's
     * state where only root can read it (mode 0700), so the trace needs root or sudo for runsc.
     * The run asks this before anything starts, and {@code doctor} attaches a real trace.
     */
    public static String hostGap() {
        Path runsc = Privilege.find("runsc");
        if (runsc == null) {
            return "runsc is not on this host's PATH";
        }
        String why = Privilege.whyNot(runsc);
        return why == null ? null : why + ", and runsc keeps each sandbox's state in a folder only root can read";
    }

    /**
     * Whether the container's sandbox may still run on this host: a daemon that stopped it may
     * still call it running for a moment. Only root is sure to see runsc's processes (/proc may
     * hide other users'), so for anyone else the answer is yes.
     */
    public static boolean sandboxRuns(String containerId) {
        return !Privilege.isRoot() || RunscRoots.sandboxRuns(containerId);
    }

    private static List<String> runscAsRoot() throws IOException {
        Path runsc = Privilege.find("runsc");
        List<String> cmd = runsc == null ? null : Privilege.asRoot(runsc);
        if (cmd == null) {
            throw new IOException(hostGap());
        }
        return cmd;
    }

    /** The state root that holds the container: read directly by root, else asked of runsc itself through sudo. */
    private static Path stateRoot(List<String> runsc, String id) throws IOException {
        List<Path> tried = new ArrayList<>();
        for (Path r : RunscRoots.of(id)) {
            if (RunscRoots.KNOWN.contains(r) && r.startsWith("/var/run") && isLinkToRun()) {
                continue; // the same folders as under /run
            }
            tried.add(r);
            if (Privilege.isRoot() ? hasSandbox(r, id) : runscKnows(runsc, r, id)) {
                return r;
            }
        }
        throw new IOException("no runsc state for the container under " + tried + " (is the daemon's runsc registered differently?)");
    }

    private static boolean isLinkToRun() {
        try {
            return Path.of("/var/run").toRealPath().equals(Path.of("/run"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasSandbox(Path root, String id) {
        try (var s = Files.list(root)) {
            return s.anyMatch(p -> p.getFileName().toString().contains(id));
        } catch (IOException e) {
            return false;
        }
    }

    private static final int STATE_WAIT_SECONDS = 30;

    private static boolean runscKnows(List<String> runsc, Path root, String id) throws IOException {
        List<String> cmd = new ArrayList<>(runsc);
        cmd.addAll(List.of("--root", root.toString(), "state", id));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            // runsc state waits for the container's lock, which runsc create holds while it sets the sandbox up:
            // eight sandboxes starting at once on two cores (a Jenkins agent's executors) took longer than 10 s.
            if (!p.waitFor(STATE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("runsc state did not answer within " + STATE_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking for the sandbox's runsc state", e);
        }
        return p.exitValue() == 0;
    }

    private void read() {
        try {
            while (!stop) {
                byte[] packet = server.receive(MAX_PACKET, 200);
                if (packet == null) {
                    return;
                }
                if (packet.length > 0) {
                    accept(packet);
                }
            }
        } catch (IOException | RuntimeException e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            synchronized (this) {
                broken = why;
            }
            if (onExec != null) {
                onExec.accept(ProcessRecord.broken(why)); // a policy that acts at once stops the sandbox now
            }
        }
    }

    private synchronized void accept(byte[] packet) throws IOException {
        if (packet.length < 8) {
            throw new IOException("a trace packet shorter than its header");
        }
        ByteBuffer h = ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN);
        int headerSize = Short.toUnsignedInt(h.getShort(0));
        int type = Short.toUnsignedInt(h.getShort(2));
        dropped = Integer.toUnsignedLong(h.getInt(4));
        if (headerSize < 8 || headerSize > packet.length) {
            throw new IOException("a trace header of " + headerSize + " bytes");
        }
        CodedInputStream in = CodedInputStream.newInstance(packet, headerSize, packet.length - headerSize);
        switch (type) {
            case TYPE_EXEC -> exec(in);
            case TYPE_CLONE -> clone(in);
            case TYPE_TASK_EXIT -> exit(in);
            default -> in.skipMessage();
        }
    }

    /** ContextData fields this trace asks for. */
    private record Context(long time, int tid, int pid, String cwd) {
    }

    private static Context context(CodedInputStream in) throws IOException {
        long time = 0;
        int tid = 0;
        int pid = 0;
        String cwd = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> time = in.readInt64();
                case 2 -> tid = in.readInt32();
                case 4 -> pid = in.readInt32();
                case 8 -> cwd = bounded(in.readString(), 4096);
                default -> in.skipField(tag);
            }
        }
        return new Context(time, tid, pid, cwd);
    }

    private void exec(CodedInputStream in) throws IOException {
        Context c = null;
        String binary = null;
        List<String> argv = new ArrayList<>();
        int extraArgs = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> c = nested(in);
                case 2 -> binary = bounded(in.readString(), 4096);
                case 3 -> {
                    String a = in.readString();
                    if (argv.size() < MAX_ARGS) {
                        argv.add(bounded(redactor.apply(a), MAX_ARG)); // redacted whole: a secret cut in two is no longer recognised
                    } else {
                        extraArgs++;
                    }
                }
                default -> in.skipField(tag); // the environment is never kept: it holds values
            }
        }
        if (extraArgs > 0) {
            argv.add("… " + extraArgs + " more arguments");
        }
        if (c == null) {
            return;
        }
        ProcessRecord r = new ProcessRecord(c.pid(), parents.getOrDefault(c.pid(), 0), binary, argv, c.cwd(), c.time(), 0, null);
        if (records.size() >= MAX_RECORDS) {
            omitted++; // not kept, but still judged as it starts: flooding the log hides nothing from a policy
            lastByPid.remove(c.pid()); // the pid's earlier program was replaced: its exit is not this one's
        } else {
            lastByPid.put(c.pid(), records.size());
            records.add(r);
        }
        if (onExec != null) {
            onExec.accept(r);
        }
    }

    private void clone(CodedInputStream in) throws IOException {
        Context c = null;
        int childPid = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> c = nested(in);
                case 4 -> childPid = in.readInt32();
                default -> in.skipField(tag);
            }
        }
        if (c != null && childPid != 0 && childPid != c.pid() && parents.size() < 4 * MAX_RECORDS) {
            parents.put(childPid, c.pid());
        }
    }

    private void exit(CodedInputStream in) throws IOException {
        Context c = null;
        int status = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> c = nested(in);
                case 2 -> status = in.readInt32();
                default -> in.skipField(tag);
            }
        }
        // The thread group ends with its leader (thread id = process id); other threads are not processes.
        if (c == null || c.tid() != c.pid()) {
            return;
        }
        Integer i = lastByPid.remove(c.pid());
        if (i != null) {
            String how = (status & 0x7f) == 0 ? "exit " + ((status >> 8) & 0xff) : "signal " + (status & 0x7f);
            records.set(i, records.get(i).ended(c.time(), how));
        }
    }

    private static Context nested(CodedInputStream in) throws IOException {
        int length = in.readRawVarint32();
        int limit = in.pushLimit(length);
        Context c = context(in);
        in.popLimit(limit);
        return c;
    }

    private static String bounded(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** Ends the trace once the sandbox has exited (its kernel closes the socket) and returns what it saw. */
    public Result finish() {
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop = true;
        synchronized (this) {
            return new Result(List.copyOf(records), dropped, omitted, reader.isAlive() && broken == null ? "the sandbox did not close its trace" : broken);
        }
    }

    /**
     * What a trace saw.
     *
     * @param processes the programs, in the order they started
     * @param dropped events gVisor could not deliver (its count)
     * @param omitted programs past the record limit
     * @param broken why reading stopped early, or null
     */
    public record Result(List<ProcessRecord> processes, long dropped, long omitted, String broken) {
        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("processes", processes.size());
            m.put("dropped", dropped);
            m.put("omitted", omitted);
            m.put("broken", broken);
            return m;
        }
    }

    @Override
    public void close() {
        stop = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
    }
}
