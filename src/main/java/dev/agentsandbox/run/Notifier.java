package dev.agentsandbox.run;

import dev.agentsandbox.config.NotifyConfig;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.notify.Notifications;
import java.util.LinkedHashMap;
import java.util.Map;

/** A run's notifications: each outcome, sent or failed, goes to the audit log; nothing here ever fails the run. */
final class Notifier {
    private final Notifications notifications;
    private final RunBundle bundle;
    private final Progress progress;
    private final Map<String, Object> base;

    Notifier(NotifyConfig config, Map<String, String> env, RunBundle bundle, Progress progress, Map<String, Object> base) {
        this.notifications = config.any() ? new Notifications(config, env) : null;
        this.bundle = bundle;
        this.progress = progress;
        this.base = base;
    }

    /** Where a reviewer finds the run: the CI job's page, else the review page in the bundle. */
    static String reviewUrl(Map<String, String> env, RunBundle bundle) {
        if (env.get("CI_JOB_URL") != null) {
            return env.get("CI_JOB_URL");
        }
        if (env.get("GITHUB_SERVER_URL") != null && env.get("GITHUB_REPOSITORY") != null && env.get("GITHUB_RUN_ID") != null) {
            return env.get("GITHUB_SERVER_URL") + "/" + env.get("GITHUB_REPOSITORY") + "/actions/runs/" + env.get("GITHUB_RUN_ID");
        }
        if (env.get("BUILD_URL") != null) {
            return env.get("BUILD_URL");
        }
        return bundle.path("reports/review.html").toUri().toString();
    }

    void send(String event, Map<String, ?> facts) {
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
                progress.step("warning: " + e.getMessage());
            }
            if (!o.sent()) {
                progress.step("warning: the " + event + " notification to " + o.channel() + " failed: " + o.error());
            }
        }
    }
}
