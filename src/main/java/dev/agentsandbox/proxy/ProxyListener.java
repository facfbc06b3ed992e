package dev.agentsandbox.proxy;

/** Hears what the proxy does; called from its worker threads. */
public interface ProxyListener {
    void onRequest(ProxyEvent event);

    /** The run went over its token budget: the runner stops the agent. */
    void onBudgetExceeded(String reason);

    /** An upstream answered 401 to the credentials the proxy holds: they are wrong, and nothing the agent does will fix them. */
    default void onCredentialsRefused(String reason) {
    }
}
