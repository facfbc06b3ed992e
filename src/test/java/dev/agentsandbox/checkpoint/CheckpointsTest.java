package dev.agentsandbox.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.audit.SigningKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints are asked one at a time and at most twenty per run: forty at once notified people forty-one times before. */
class CheckpointsTest {
    @TempDir
    Path bundle;

    @Test
    void fortyAtOnceAskOneAndALoopStopsAtTheCap() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        Checkpoints.Listener listener = new Checkpoints.Listener() {
            @Override
            public void asked(JsonNode checkpoint) {
                asked.add(checkpoint.path("id").asText());
            }

            @Override
            public void answered(JsonNode checkpoint) {
            }
        };
        Checkpoints cps = new Checkpoints(bundle, Clock.systemUTC(), Duration.ofMillis(500), listener, SigningKeys.generate().getPublic(), who -> null);
        byte[] body = "{\"action\": \"rm -rf /\"}".getBytes(StandardCharsets.UTF_8);
        ExecutorService pool = Executors.newFixedThreadPool(40);
        List<Future<byte[]>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(pool.submit(() -> cps.ask(body)));
        }
        int refused = 0;
        for (Future<byte[]> f : answers) {
            if (new String(f.get(), StandardCharsets.UTF_8).contains("ask one at a time")) {
                refused++;
            }
        }
        pool.shutdown();
        assertThat(asked).as("one question relayed").hasSize(40 - refused).hasSizeLessThanOrEqualTo(2);
        for (int i = 0; i < 25; i++) {
            cps.ask(body);
        }
        assertThat(asked).hasSize(Checkpoints.MAX_PER_RUN);
        assertThat(new String(cps.ask(body), StandardCharsets.UTF_8)).contains("checkpoints already (the most one run may)");
    }
}
