package dev.agentsandbox.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    @TempDir
    Path tmp;

    Path log(int records) throws Exception {
        Path f = tmp.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC(), UnaryOperator.identity())) {
            for (int i = 0; i < records; i++) {
                log.append("stage", "event" + i, Map.of("i", i));
            }
        }
        return f;
    }

    @Test
    void appendsFormAChainThatVerifies() throws Exception {
        AuditVerifier.Result r = AuditVerifier.verify(log(5));
        assertThat(r.ok()).isTrue();
        assertThat(r.records()).isEqualTo(5);
        assertThat(Files.readAllLines(tmp.resolve("audit.jsonl")).get(0)).contains("\"prev\":\"" + AuditLog.GENESIS + "\"");
    }

    @Test
    void aChangedByteInAnyLineButTheLastIsFoundAndTheLineNamed() throws Exception {
        Path f = log(5);
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < 4; i++) {
            List<String> copy = new ArrayList<>(lines);
            copy.set(i, copy.get(i).replace("\"event" + i + "\"", "\"evenT" + i + "\""));
            Files.write(f, copy);
            AuditVerifier.Result r = AuditVerifier.verify(f);
            assertThat(r.ok()).isFalse();
            assertThat(r.problems().get(0)).startsWith("audit.jsonl line " + (i + 2) + ": prev does not match the hash of line " + (i + 1));
        }
    }

    @Test
    void aRemovedMiddleLineIsFound() throws Exception {
        Path f = log(4);
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        lines.remove(1);
        Files.write(f, lines);
        assertThat(AuditVerifier.verify(f).problems()).singleElement().asString().contains("line 2: sequence number 2 where 1 was expected");
    }

    @Test
    void aCrashMidAppendLeavesAChainThatVerifiesUpToTheLastWholeRecordAndReopeningContinues() throws Exception {
        Path f = log(3);
        String half = "{\"seq\":3,\"time\":\"2026-";
        Files.writeString(f, half, java.nio.file.StandardOpenOption.APPEND);
        AuditVerifier.Result torn = AuditVerifier.verify(f);
        assertThat(torn.ok()).isTrue();
        assertThat(torn.tornTail()).isTrue();
        assertThat(torn.records()).isEqualTo(3);
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC(), UnaryOperator.identity())) {
            log.append("stage", "after", Map.of());
        }
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertThat(r.ok()).isTrue();
        assertThat(r.tornTail()).isFalse();
        assertThat(r.records()).isEqualTo(5);
        assertThat(Files.readString(f)).contains("\"event\":\"recovered\"").doesNotContain(half + "\n");
    }

    @Test
    void concurrentAppendsKeepTheChain() throws Exception {
        Path f = tmp.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC(), UnaryOperator.identity())) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        log.append("proxy", "request", Map.of("thread", id, "i", i));
                    }
                    return null;
                }));
            }
            for (Future<?> x : fs) {
                x.get();
            }
            pool.shutdown();
        }
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertThat(r.ok()).isTrue();
        assertThat(r.records()).isEqualTo(400);
    }

    @Test
    void theRedactorRunsOnEveryRecord() throws Exception {
        Path f = tmp.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC(), s -> s.replace("hunter2", "[REDACTED]"))) {
            log.append("s", "e", Map.of("password", "hunter2"));
        }
        assertThat(Files.readString(f)).doesNotContain("hunter2").contains("[REDACTED]");
        assertThat(AuditVerifier.verify(f).ok()).isTrue();
    }

    @Test
    void paeCountsBytesNotCharacters() {
        byte[] body = "é漢字".getBytes(StandardCharsets.UTF_8);
        String pae = new String(Dsse.pae("application/x", body), StandardCharsets.UTF_8);
        assertThat(pae).isEqualTo("DSSEv1 13 application/x 8 é漢字");
    }

    @Test
    void aDsseSignatureVerifiesWithItsKeyOnlyAndOverNonAsciiPayloads() {
        KeyPair k = SigningKeys.generate();
        byte[] payload = "{\"msg\":\"é漢字\"}".getBytes(StandardCharsets.UTF_8);
        Envelope env = Envelope.parse(Envelope.sign(Dsse.IN_TOTO, payload, k).toJson());
        assertThat(env.verifiedPayload(k.getPublic())).isEqualTo(payload);
        assertThat(env.verifiedPayload(SigningKeys.generate().getPublic())).isNull();
        Envelope changed = new Envelope(env.payloadType(), "{\"msg\":\"x\"}".getBytes(StandardCharsets.UTF_8), env.signatures());
        assertThat(changed.verifiedPayload(k.getPublic())).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Envelope(Dsse.IN_TOTO, payload, java.util.List.of()))
                .hasMessageContaining("no signature");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Envelope.parse("{\"payload\": 1}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not a DSSE envelope");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Statement.parse("{\"_type\": \"x\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not an in-toto Statement v1");
    }
}
