package dev.agentsandbox.config;

import java.util.List;

/**
 * Who is told when a run awaits approval, a checkpoint is pending, the gates failed, and at merge.
 * Every address and secret is the NAME of a host environment variable (a CI secret), never a value
 * in the repository.
 *
 * @param webhooks JSON POSTs, signed with HMAC-SHA256 when a secret is named
 * @param slackEnv the variable holding a Slack incoming-webhook URL, or null
 * @param teamsEnv the variable holding a Microsoft Teams workflow-webhook URL, or null
 * @param email e-mail over SMTP, or null
 */
public record NotifyConfig(List<Webhook> webhooks, String slackEnv, String teamsEnv, Email email) {
    public record Webhook(String urlEnv, String secretEnv) {
    }

    /**
     * @param hostEnv the variable holding the SMTP host
     * @param port the SMTP port (default 587)
     * @param from the sender address
     * @param to the recipients
     * @param usernameEnv the variable holding the SMTP user, or null
     * @param passwordEnv the variable holding the SMTP password, or null
     * @param starttls required (default), optional, or none
     */
    public record Email(String hostEnv, Integer port, String from, List<String> to, String usernameEnv, String passwordEnv, String starttls) {
        public Email {
            port = port == null ? 587 : port;
            to = to == null ? List.of() : List.copyOf(to);
            starttls = starttls == null ? "required" : starttls;
            if (!List.of("required", "optional", "none").contains(starttls)) {
                throw new IllegalArgumentException("notify.email.starttls must be required, optional or none");
            }
        }
    }

    public static final NotifyConfig DEFAULT = new NotifyConfig(null, null, null, null);

    public NotifyConfig {
        webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
    }

    public boolean any() {
        return !webhooks.isEmpty() || slackEnv != null || teamsEnv != null || email != null;
    }
}
