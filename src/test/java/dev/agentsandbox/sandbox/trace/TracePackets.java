package dev.agentsandbox.sandbox.trace;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * gVisor's remote-sink packets as runsc writes them (an 8-byte little-endian header, then the
 * protobuf of common.proto's ContextData and sentry.proto's ExecveInfo, CloneInfo, TaskExit), and
 * a ProcessTrace made without runsc. The project has no generated gVisor classes, so the fields
 * are written by number, the numbers ProcessTrace reads.
 */
final class TracePackets {
    static final int CLONE = 2;
    static final int EXEC = 3;
    static final int TASK_EXIT = 5;

    private TracePackets() {
    }

    interface Fields {
        void write(CodedOutputStream o) throws IOException;
    }

    static byte[] proto(Fields f) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            CodedOutputStream o = CodedOutputStream.newInstance(b);
            f.write(o);
            o.flush();
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] packet(int type, long dropped, byte[] body) {
        return ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 8).putShort((short) type).putInt((int) dropped).put(body).array();
    }

    static byte[] context(long time, int tid, int pid, String cwd) {
        return proto(o -> {
            o.writeInt64(1, time);
            o.writeInt32(2, tid);
            o.writeInt64(3, 42); // thread start time: not asked for, must be skipped
            o.writeInt32(4, pid);
            o.writeString(9, "comm"); // process name: skipped too
            if (cwd != null) {
                o.writeString(8, cwd);
            }
        });
    }

    static byte[] exec(long time, int pid, String binary, List<String> argv, List<String> env) {
        return packet(EXEC, 0, proto(o -> {
            o.writeByteArray(1, context(time, pid, pid, "/workspace"));
            o.writeString(2, binary);
            for (String a : argv) {
                o.writeString(3, a);
            }
            for (String e : env) {
                o.writeString(4, e);
            }
            o.writeUInt32(5, 0755);
        }));
    }

    static byte[] clone(int parent, int child) {
        return packet(CLONE, 0, proto(o -> {
            o.writeByteArray(1, context(1, parent, parent, null));
            o.writeUInt64(3, child);
            o.writeUInt64(4, child);
        }));
    }

    static byte[] exit(long time, int tid, int pid, int waitStatus) {
        return packet(TASK_EXIT, 0, proto(o -> {
            o.writeByteArray(1, context(time, tid, pid, null));
            o.writeInt32(2, waitStatus);
        }));
    }

    /** A ProcessTrace with no socket behind it: packets go straight to its decoder. */
    static final class Decoder {
        final List<ProcessRecord> seen = new CopyOnWriteArrayList<>();
        final ProcessTrace trace;

        Decoder(UnaryOperator<String> redactor) {
            this.trace = newTrace(null, redactor, seen::add);
        }

        Decoder feed(byte[]... packets) throws IOException {
            try {
                Method accept = ProcessTrace.class.getDeclaredMethod("accept", byte[].class);
                accept.setAccessible(true);
                for (byte[] p : packets) {
                    accept.invoke(trace, (Object) p);
                }
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new AssertionError(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("ProcessTrace.accept(byte[]) moved: update this harness", e);
            }
            return this;
        }

        ProcessTrace.Result result() {
            return trace.finish();
        }
    }

    /** The private constructor attach() uses once runsc is connected; the reader thread is not started. */
    static ProcessTrace newTrace(SeqPacketServer server, UnaryOperator<String> redactor, Consumer<ProcessRecord> onExec) {
        try {
            Constructor<ProcessTrace> c = ProcessTrace.class.getDeclaredConstructor(SeqPacketServer.class, UnaryOperator.class, Consumer.class);
            c.setAccessible(true);
            return c.newInstance(server, redactor, onExec);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("ProcessTrace's constructor moved: update this harness", e);
        }
    }

    /** Starts the reader thread attach() starts. */
    static void startReader(ProcessTrace trace) {
        try {
            var f = ProcessTrace.class.getDeclaredField("reader");
            f.setAccessible(true);
            ((Thread) f.get(trace)).start();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("ProcessTrace.reader moved: update this harness", e);
        }
    }
}
