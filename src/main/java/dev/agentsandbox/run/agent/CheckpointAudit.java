package dev.agentsandbox.run.agent;

import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.notify.RunNotifier;
import dev.agentsandbox.run.Progress;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.checkpoint.Checkpoints;
import dev.agentsandbox.error.InfrastructureException;
import java.util.Map;

/** Every checkpoint question and answer goes to the audit log and the console; a question is also notified. */
final class CheckpointAudit implements Checkpoints.Listener {
    private final RunBundle bundle;
    private final Progress progress;
    private final RunNotifier notifier;

    CheckpointAudit(RunBundle bundle, Progress progress, RunNotifier notifier) {
        this.bundle = bundle;
        this.progress = progress;
        this.notifier = notifier;
    }

    @Override
    public void asked(JsonNode cp) {
        record("asked", cp);
        progress.step("checkpoint " + cp.path("id").asText() + " pending (" + cp.path("risk").asText() + "): " + cp.path("action").asText()
                + " — answer with `agent-sandbox checkpoint approve|reject --run " + bundle.root() + " --id " + cp.path("id").asText()
                + " --by NAME`");
        notifier.send("checkpoint-pending", Map.of("checkpoint", cp.path("id").asText(), "action", cp.path("action").asText(),
                "risk", cp.path("risk").asText()));
    }

    @Override
    public void answered(JsonNode cp) {
        record("answered", cp);
        progress.step("checkpoint " + cp.path("id").asText() + " " + cp.path("status").asText() + " by " + cp.path("by").asText());
    }

    private void record(String event, JsonNode cp) {
        try {
            bundle.audit("checkpoint", event, Map.of("checkpoint", cp));
        } catch (InfrastructureException e) {
            progress.step("warning: " + e.getMessage());
        }
    }
}
