package dev.agentsandbox.run;

import dev.agentsandbox.error.InfrastructureException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** Where the stages of a run record what they did. */
interface AuditSink {
    void append(String stage, String event, Map<String, ?> data) throws InfrastructureException;

    void close() throws InfrastructureException;

    static AuditSink jsonl(Path file, Clock clock) {
        return new AuditSink() {
            private final java.util.List<String> lines = new java.util.ArrayList<>();

            @Override
            public synchronized void append(String stage, String event, Map<String, ?> data) throws InfrastructureException {
                try {
                    String line = RunPipeline.json().copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(Map.of("time", clock.instant().toString(), "stage", stage, "event", event, "data", data));
                    line = RunPipeline.redact(line);
                    java.nio.file.Files.writeString(file, line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                } catch (java.io.IOException e) {
                    throw new InfrastructureException("cannot append to the audit log: " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
