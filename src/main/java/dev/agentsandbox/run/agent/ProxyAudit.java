package dev.agentsandbox.run.agent;

import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.secrets.Redaction;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.proxy.ProxyEvent;
import dev.agentsandbox.proxy.ProxyListener;
import dev.agentsandbox.proxy.ToolCalls;
import dev.agentsandbox.sandbox.SandboxBackend;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Model requests go to the audit log; a run over its token budget has its sandbox stopped. */
public final class ProxyAudit implements ProxyListener {
    private final RunBundle bundle;
    private final String runId;
    private final AtomicReference<String> overBudget;
    private final SandboxBackend backend;
    private final Progress progress;

    public ProxyAudit(RunBundle bundle, String runId, AtomicReference<String> overBudget, SandboxBackend backend, Progress progress) {
        this.bundle = bundle;
        this.runId = runId;
        this.overBudget = overBudget;
        this.backend = backend;
        this.progress = progress;
    }

    @Override
    public void onRequest(ProxyEvent event) {
        try {
            // Previews of tool inputs are redacted before they are kept: the model may echo what the agent read.
            List<ToolCalls.ToolCall> calls = event.toolCalls().stream().map(c -> c.withPreview(Redaction.redact(c.preview()))).toList();
            bundle.audit("proxy", event.refusedBy() == null ? "request" : "refused", Map.of("request", event.withToolCalls(calls)));
            for (ToolCalls.ToolCall c : calls) {
                // model request → tool call → the processes and file changes that follow it
                Map<String, Object> call = new java.util.LinkedHashMap<>();
                call.put("type", "tool-call");
                call.put("provider", event.provider());
                call.put("model", event.model());
                call.put("id", c.id());
                call.put("name", c.name());
                call.put("inputSha256", c.inputSha256());
                call.put("preview", c.preview());
                bundle.audit("proxy", "tool-call", call);
            }
        } catch (InfrastructureException e) {
            progress.step("warning: " + e.getMessage());
        }
        progress.step((event.method().equals("CONNECT") ? "registry CONNECT " + event.path()
                : "model " + event.method() + " " + event.provider() + event.path()) + " -> " + event.status()
                + (event.refusedBy() == null ? "" : " (refused: " + event.refusedBy() + ")"));
    }

    @Override
    public void onBudgetExceeded(String reason) {
        overBudget.set(reason);
        progress.step("stopping the agent: " + reason);
        try {
            bundle.audit("proxy", "budget-exceeded", Map.of("reason", reason));
            backend.stop(runId);
        } catch (AgentSandboxException e) {
            progress.step("warning: " + e.getMessage());
        }
    }
}
