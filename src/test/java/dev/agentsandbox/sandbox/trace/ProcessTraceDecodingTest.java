package dev.agentsandbox.sandbox.trace;

import static dev.agentsandbox.sandbox.trace.TracePackets.exec;
import static dev.agentsandbox.sandbox.trace.TracePackets.exit;
import static dev.agentsandbox.sandbox.trace.TracePackets.packet;
import static dev.agentsandbox.sandbox.trace.TracePackets.proto;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.secrets.Redaction;
import dev.agentsandbox.sandbox.trace.TracePackets.Decoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** What the trace makes of gVisor's packets, without runsc or a socket: the decoder is fed bytes. */
class ProcessTraceDecodingTest {
    static final long T0 = 1_700_000_000_000_000_000L;

    @Test
    void anExecBecomesARecordAndItsExitEndsIt() throws IOException {
        Decoder d = new Decoder(UnaryOperator.identity()).feed(
                TracePackets.clone(1, 7),
                exec(T0, 7, "/usr/bin/git", List.of("git", "status"), List.of("HOME=/root")),
                exit(T0 + 5_000, 7, 7, 3 << 8));
        ProcessTrace.Result r = d.result();
        assertThat(r.processes()).containsExactly(
                new ProcessRecord(7, 1, "/usr/bin/git", List.of("git", "status"), "/workspace", T0, T0 + 5_000, "exit 3"));
        assertThat(r.broken()).isNull();
        assertThat(d.seen).singleElement().satisfies(s -> assertThat(s.endNanos()).isZero()); // judged as it starts
    }

    @Test
    void theWaitStatusSaysExitOrSignal() throws IOException {
        ProcessTrace.Result r = new Decoder(UnaryOperator.identity()).feed(
                exec(T0, 10, "/bin/a", List.of(), List.of()), exit(T0 + 1, 10, 10, 0),
                exec(T0, 11, "/bin/b", List.of(), List.of()), exit(T0 + 1, 11, 11, 9),
                exec(T0, 12, "/bin/c", List.of(), List.of()), exit(T0 + 1, 12, 12, 255 << 8)).result();
        assertThat(r.processes()).extracting(ProcessRecord::exit).containsExactly("exit 0", "signal 9", "exit 255");
    }

    @Test
    void onlyTheThreadGroupLeadersExitEndsAProcess() throws IOException {
        ProcessTrace.Result r = new Decoder(UnaryOperator.identity()).feed(
                exec(T0, 20, "/bin/java", List.of(), List.of()),
                exit(T0 + 1, 21, 20, 0), // a thread of 20
                exit(T0 + 2, 99, 99, 0)) // a process never seen to exec
                .result();
        assertThat(r.processes()).singleElement().satisfies(p -> {
            assertThat(p.endNanos()).isZero();
            assertThat(p.exit()).isNull();
        });
    }

    @Test
    void aProgramThatReplacedItselfHasNoEndOfItsOwn() throws IOException {
        ProcessTrace.Result r = new Decoder(UnaryOperator.identity()).feed(
                exec(T0, 30, "/bin/sh", List.of("sh", "-c", "exec make"), List.of()),
                exec(T0 + 1, 30, "/usr/bin/make", List.of("make"), List.of()),
                exit(T0 + 2, 30, 30, 2 << 8)).result();
        assertThat(r.processes()).extracting(ProcessRecord::binary, ProcessRecord::exit)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/bin/sh", null), org.assertj.core.groups.Tuple.tuple("/usr/bin/make", "exit 2"));
    }

    @Test
    void aThreadsCloneIsNoParentAndAnUnseenParentIsZero() throws IOException {
        ProcessTrace.Result r = new Decoder(UnaryOperator.identity()).feed(
                TracePackets.clone(40, 40), exec(T0, 40, "/bin/a", List.of(), List.of()),
                exec(T0, 41, "/bin/b", List.of(), List.of())).result();
        assertThat(r.processes()).extracting(ProcessRecord::ppid).containsExactly(0, 0);
    }

    @Test
    void argumentsAreRedactedOneByOneAndTheEnvironmentIsNeverKept() throws IOException {
        List<String> redacted = new ArrayList<>();
        UnaryOperator<String> redactor = a -> {
            redacted.add(a);
            return a.replace("hunter2", "[REDACTED]");
        };
        ProcessTrace.Result r = new Decoder(redactor).feed(exec(T0, 50, "/usr/bin/curl",
                List.of("curl", "-u", "me:hunter2", "https://x"), List.of("TOKEN=hunter2", "ENV_ONLY=zzz"))).result();
        assertThat(r.processes().get(0).argv()).containsExactly("curl", "-u", "me:[REDACTED]", "https://x");
        assertThat(redacted).containsExactly("curl", "-u", "me:hunter2", "https://x");
        assertThat(r.processes().get(0).toAudit().toString()).doesNotContain("ENV_ONLY", "hunter2");
    }

    @Test
    void everyFieldIsBounded() throws IOException {
        List<String> argv = new ArrayList<>(Collections.nCopies(ProcessTrace.MAX_ARGS + 6, "a"));
        argv.set(0, "x".repeat(ProcessTrace.MAX_ARG + 100));
        ProcessRecord p = new Decoder(UnaryOperator.identity())
                .feed(exec(T0, 60, "/" + "b".repeat(5000), argv, List.of())).result().processes().get(0);
        assertThat(p.binary()).hasSize(4096 + 1).endsWith("b…");
        assertThat(p.argv()).hasSize(ProcessTrace.MAX_ARGS + 1).endsWith("… 6 more arguments");
        assertThat(p.argv().get(0)).isEqualTo("x".repeat(ProcessTrace.MAX_ARG) + "…");
    }

    @Test
    void pastTheRecordLimitProgramsAreCountedAndStillJudged() throws IOException {
        Decoder d = new Decoder(UnaryOperator.identity());
        for (int i = 0; i < ProcessTrace.MAX_RECORDS + 3; i++) {
            d.feed(exec(T0 + i, 1000 + i, "/bin/true", List.of(), List.of()));
        }
        ProcessTrace.Result r = d.result();
        assertThat(r.processes()).hasSize(ProcessTrace.MAX_RECORDS);
        assertThat(r.omitted()).isEqualTo(3);
        assertThat(d.seen).hasSize(ProcessTrace.MAX_RECORDS + 3);
        assertThat(r.summary()).containsEntry("processes", ProcessTrace.MAX_RECORDS).containsEntry("omitted", 3L);
    }

    @Test
    void anOmittedProgramsExitIsNotPinnedOnTheProgramItReplaced() throws IOException {
        Decoder d = new Decoder(UnaryOperator.identity()).feed(exec(T0, 7, "/bin/sh", List.of("sh"), List.of()));
        for (int i = 1; i < ProcessTrace.MAX_RECORDS; i++) {
            d.feed(exec(T0 + i, 1000 + i, "/bin/true", List.of(), List.of()));
        }
        d.feed(exec(T0 + 9_000, 7, "/usr/bin/evil", List.of(), List.of()), exit(T0 + 9_001, 7, 7, 9));
        ProcessRecord sh = d.result().processes().get(0);
        assertThat(sh.exit()).as("sh replaced itself; the signal was the omitted program's").isNull();
    }

    @Test
    void aCredentialCutAtTheArgumentLimitIsStillRedacted() throws IOException {
        String token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
        String arg = "x".repeat(ProcessTrace.MAX_ARG - 1 - 16) + " " + token; // the cut leaves the token's first 16 characters
        assertThat(Redaction.redact(arg)).doesNotContain(token.substring(0, 16)); // the redactor knows the whole token
        ProcessRecord p = new Decoder(Redaction::redact).feed(exec(T0, 70, "/usr/bin/curl", List.of(arg), List.of())).result().processes().get(0);
        assertThat(p.argv().get(0)).doesNotContain(token.substring(0, 16));
    }

    @Test
    void theDroppedCountIsGvisorsUnsignedCount() throws IOException {
        ProcessTrace.Result r = new Decoder(UnaryOperator.identity())
                .feed(packet(99, 0xFFFF_FFFFL, proto(o -> o.writeString(1, "an unknown point")))).result();
        assertThat(r.dropped()).isEqualTo(4_294_967_295L);
        assertThat(r.processes()).isEmpty();
    }

    @Test
    void anExecWithoutContextIsNoProgram() throws IOException {
        Decoder d = new Decoder(UnaryOperator.identity()).feed(packet(TracePackets.EXEC, 0, proto(o -> o.writeString(2, "/bin/x"))));
        assertThat(d.result().processes()).isEmpty();
        assertThat(d.seen).isEmpty();
    }

    @Test
    void malformedPacketsAreRefused() {
        Decoder d = new Decoder(UnaryOperator.identity());
        assertThatThrownBy(() -> d.feed(new byte[7])).isInstanceOf(IOException.class).hasMessageContaining("shorter than its header");
        byte[] small = packet(TracePackets.EXEC, 0, new byte[0]);
        small[0] = 4;
        assertThatThrownBy(() -> d.feed(small)).hasMessageContaining("a trace header of 4 bytes");
        byte[] big = packet(TracePackets.EXEC, 0, new byte[0]);
        big[0] = 9;
        assertThatThrownBy(() -> d.feed(big)).hasMessageContaining("a trace header of 9 bytes");
        byte[] whole = exec(T0, 80, "/bin/ls", List.of("ls"), List.of());
        assertThatThrownBy(() -> d.feed(java.util.Arrays.copyOf(whole, whole.length - 2))).isInstanceOf(IOException.class);
        byte[] hugeLength = packet(TracePackets.EXEC, 0, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07});
        assertThatThrownBy(() -> d.feed(hugeLength)).isInstanceOf(IOException.class);
        assertThat(d.result().processes()).isEmpty();
    }

    @Test
    void aLargerHeaderFromANewerGvisorIsSkipped() throws IOException {
        byte[] body = proto(o -> o.writeByteArray(1, TracePackets.context(T0, 90, 90, "/")));
        byte[] p = java.nio.ByteBuffer.allocate(12 + body.length).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 12).putShort((short) TracePackets.EXEC).putInt(0).putInt(-1).put(body).array();
        assertThat(new Decoder(UnaryOperator.identity()).feed(p).result().processes()).singleElement()
                .satisfies(r -> assertThat(r.cwd()).isEqualTo("/"));
    }

    @Test
    void aBrokenRecordSaysWhyAndAProgramDoesNot() {
        ProcessRecord b = ProcessRecord.broken("IOException: bad");
        assertThat(b.breakReason()).isEqualTo("IOException: bad");
        assertThat(new ProcessRecord(1, 0, "/bin/x", List.of(), "/", 0, 0, "log broken: faked by a program").breakReason()).isNull();
        assertThat(new ProcessRecord(1, 0, "/bin/x", List.of(), "/", 0, 0, null).breakReason()).isNull();
        assertThat(new ProcessRecord(1, 0, "/bin/x", List.of("a"), "/", 1_000_000_000L, 0, null).toAudit())
                .containsEntry("type", "process").containsEntry("start", "1970-01-01T00:00:01Z").containsEntry("end", null);
    }
}
