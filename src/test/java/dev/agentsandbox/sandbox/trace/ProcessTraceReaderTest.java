package dev.agentsandbox.sandbox.trace;

import static dev.agentsandbox.sandbox.trace.TracePackets.exec;
import static dev.agentsandbox.sandbox.trace.TracePackets.exit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.sandbox.trace.SeqPacketServerTest.Client;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader thread attach() starts, on a real SOCK_SEQPACKET connection standing in for runsc's:
 * programs reach a policy as they start, a bad packet ends the trace and says so, the sandbox's
 * close ends it cleanly.
 */
class ProcessTraceReaderTest {
    static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path dir;
    final List<ProcessRecord> seen = new CopyOnWriteArrayList<>();
    SeqPacketServer server;
    ProcessTrace trace;
    int client = -1;

    void attached() throws Exception {
        server = SeqPacketServer.bind(dir.resolve("t.sock"));
        client = SeqPacketServerTest.connect(dir.resolve("t.sock"));
        assertThat(server.accept(2000)).isTrue();
        trace = TracePackets.newTrace(server, a -> a.replace("s3cret", "[REDACTED]"), seen::add);
        TracePackets.startReader(trace);
    }

    void sandboxExits() {
        Client.C.close(client);
        client = -1;
    }

    @AfterEach
    void close() {
        if (client >= 0) {
            Client.C.close(client);
        }
        if (trace != null) {
            trace.close();
        } else if (server != null) {
            server.close();
        }
    }

    @Test
    void programsArriveAsTheyStartAndTheCloseEndsTheTrace() throws Exception {
        attached();
        SeqPacketServerTest.send(client, TracePackets.clone(1, 2));
        SeqPacketServerTest.send(client, exec(T0, 2, "/bin/sh", List.of("sh", "-c", "echo s3cret"), List.of("PASS=s3cret")));
        waitFor(1);
        assertThat(seen.get(0).argv()).containsExactly("sh", "-c", "echo [REDACTED]"); // a policy sees it before it ends
        SeqPacketServerTest.send(client, exit(T0 + 10, 2, 2, 0));
        sandboxExits();
        ProcessTrace.Result r = trace.finish();
        assertThat(r.broken()).isNull();
        assertThat(r.processes()).singleElement().satisfies(p -> {
            assertThat(p.ppid()).isEqualTo(1);
            assertThat(p.exit()).isEqualTo("exit 0");
        });
    }

    @Test
    void aMalformedPacketEndsTheTraceAndSaysSoAtOnce() throws Exception {
        attached();
        SeqPacketServerTest.send(client, exec(T0, 3, "/bin/ls", List.of("ls"), List.of()));
        SeqPacketServerTest.send(client, new byte[] {1, 2, 3});
        SeqPacketServerTest.send(client, exec(T0 + 1, 4, "/bin/after", List.of(), List.of()));
        waitFor(2);
        assertThat(seen.get(1).breakReason()).isEqualTo("IOException: a trace packet shorter than its header");
        sandboxExits();
        ProcessTrace.Result r = trace.finish();
        assertThat(r.broken()).isEqualTo("IOException: a trace packet shorter than its header");
        assertThat(r.processes()).extracting(ProcessRecord::binary).containsExactly("/bin/ls");
        assertThat(seen).hasSize(2);
    }

    @Test
    void aTruncatedProtobufBreaksTheTraceRatherThanTheRun() throws Exception {
        attached();
        byte[] p = exec(T0, 5, "/bin/ls", List.of("ls"), List.of());
        SeqPacketServerTest.send(client, java.util.Arrays.copyOf(p, p.length - 5)); // cut inside the "ls" argument
        waitFor(1);
        sandboxExits();
        ProcessTrace.Result r = trace.finish();
        assertThat(r.broken()).startsWith("InvalidProtocolBufferException: ");
        assertThat(seen.get(0).breakReason()).isEqualTo(r.broken());
        assertThat(r.summary()).containsEntry("processes", 0).containsEntry("broken", r.broken());
    }

    @Test
    void aSandboxThatNeverClosesItsTraceIsSaidSo() throws Exception {
        attached();
        SeqPacketServerTest.send(client, exec(T0, 6, "/bin/sleep", List.of("sleep", "inf"), List.of()));
        waitFor(1);
        ProcessTrace.Result r = trace.finish(); // waits 2 s for the reader
        assertThat(r.broken()).isEqualTo("the sandbox did not close its trace");
        assertThat(r.processes()).hasSize(1);
    }

    @Test
    void anEmptyPacketIsNotTheEndOfTheTrace() throws Exception {
        attached();
        SeqPacketServerTest.send(client, new byte[0]);
        SeqPacketServerTest.send(client, exec(T0, 7, "/usr/bin/curl", List.of("curl", "evil"), List.of()));
        Thread.sleep(300);
        sandboxExits();
        ProcessTrace.Result r = trace.finish();
        assertThat(r.broken()).as("the trace says it broke, so the run knows its process log is not whole").contains("an empty trace message");
    }

    void waitFor(int n) throws InterruptedException {
        for (int i = 0; i < 200 && seen.size() < n; i++) {
            Thread.sleep(10);
        }
        assertThat(seen).hasSizeGreaterThanOrEqualTo(n);
    }
}
