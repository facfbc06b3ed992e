package dev.agentsandbox.notify;

import dev.agentsandbox.config.NotifyConfig;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.bundle.RunBundle;
import java.util.LinkedHashMap;
import java.util.Map;

/** A run's notifications: each outcome, sent or failed, goes to the audit log; nothing here ever fails the run. */
public final class RunNotifier {
    private final Notifications notifications;
    private final RunBundle bundle;
    private final java.util.function.Consumer<String> progress; // a step of the run's progress
    private final Map<String, Object> base;

    public RunNotifier(NotifyConfig config, Map<String, String> env, RunBundle bundle, java.util.function.Consumer<String> progress,
                       Map<String, Object> base) {
        this.notifications = config.any() ? new Notifications(config, env) : null;
        this.bundle = bundle;
        this.progress = progress;
        this.base = base;
    }

    public void send(String event, Map<String, ?> facts) {
        if (notifications == null) {
            return;
        }
        Map<String, Object> all = new LinkedHashMap<>(base);
        all.putAll(facts);
        for (Notifications.Outcome o : notifications.send(event, all)) {
            try {
                bundle.audit("notify", o.sent() ? "sent" : "failed", o.sent() ? Map.of("channel", o.channel(), "event", event)
                        : Map.of("channel", o.channel(), "event", event, "error", o.error()));
            } catch (InfrastructureException e) {
                progress.accept("warning: " + e.getMessage());
            }
            if (!o.sent()) {
                progress.accept("warning: the " + event + " notification to " + o.channel() + " failed: " + o.error());
            }
        }
    }
}
