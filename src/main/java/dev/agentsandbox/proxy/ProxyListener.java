package dev.agentsandbox.proxy;

/** Hears what the proxy does; called from its worker threads. */
public interface ProxyListener {
    void onRequest(ProxyEvent event);

    /** The run went over its token budget: the runner stops the agent. */
    void onBudgetExceeded(String reason);
}
