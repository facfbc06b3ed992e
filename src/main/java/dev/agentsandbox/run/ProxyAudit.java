package dev.agentsandbox.run;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.proxy.ProxyEvent;
import dev.agentsandbox.proxy.ProxyListener;
import dev.agentsandbox.sandbox.SandboxBackend;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Model requests go to the audit log; a run over its token budget has its sandbox stopped. */
final class ProxyAudit implements ProxyListener {
    private final RunBundle bundle;
    private final String runId;
    private final AtomicReference<String> overBudget;
    private final SandboxBackend backend;
    private final Progress progress;

    ProxyAudit(RunBundle bundle, String runId, AtomicReference<String> overBudget, SandboxBackend backend, Progress progress) {
        this.bundle = bundle;
        this.runId = runId;
        this.overBudget = overBudget;
        this.backend = backend;
        this.progress = progress;
    }

    @Override
    public void onRequest(ProxyEvent event) {
        try {
            bundle.audit("proxy", event.refusedBy() == null ? "request" : "refused", Map.of("request", event));
        } catch (InfrastructureException e) {
            progress.step("warning: " + e.getMessage());
        }
        progress.step("model " + event.method() + " " + event.provider() + event.path() + " -> " + event.status()
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
