package dev.agentsandbox.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.config.NotifyConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sends one event to every configured channel: webhooks (JSON, HMAC-SHA256 signature, retried with
 * backoff), Slack (incoming webhook), Microsoft Teams (workflow webhook with an Adaptive Card) and
 * e-mail (SMTP, STARTTLS). A channel that fails is reported, never thrown: a notification can never
 * cost an approval or a merge. Addresses and secrets are read from the host environment only, and
 * never appear in what is reported.
 */
public final class Notifications {
    public static final String SIGNATURE_HEADER = "X-Agent-Sandbox-Signature";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 3;

    /** What happened to one channel. */
    public record Outcome(String channel, boolean sent, String error) {
    }

    private final NotifyConfig config;
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Duration backoff;

    public Notifications(NotifyConfig config, Map<String, String> env) {
        this(config, env, Duration.ofMillis(500));
    }

    Notifications(NotifyConfig config, Map<String, String> env, Duration backoff) {
        this.config = config;
        this.env = env;
        this.backoff = backoff;
    }

    /**
     * @param event awaiting-approval, checkpoint-pending, gates-failed or merged
     * @param facts what the event is about: runId, tier, verdict, reviewUrl, …
     */
    public List<Outcome> send(String event, Map<String, ?> facts) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("event", event);
        payload.putAll(facts);
        List<Outcome> out = new ArrayList<>();
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(payload);
        } catch (IOException e) {
            return List.of(new Outcome("all", false, e.getMessage()));
        }
        for (int i = 0; i < config.webhooks().size(); i++) {
            NotifyConfig.Webhook w = config.webhooks().get(i);
            String name = "webhook " + (i + 1) + " (" + w.urlEnv() + ")";
            out.add(post(name, w.urlEnv(), body, w.secretEnv(), event));
        }
        if (config.slackEnv() != null) {
            out.add(post("slack (" + config.slackEnv() + ")", config.slackEnv(), slack(event, facts), null, event));
        }
        if (config.teamsEnv() != null) {
            out.add(post("teams (" + config.teamsEnv() + ")", config.teamsEnv(), teams(event, facts), null, event));
        }
        if (config.email() != null) {
            out.add(email(event, facts));
        }
        return out;
    }

    static String headline(String event, Map<String, ?> f) {
        return headline(event, f, java.util.function.UnaryOperator.identity());
    }

    /** @param agentText how text the agent wrote is made inert for the target's markup */
    static String headline(String event, Map<String, ?> f, java.util.function.UnaryOperator<String> agentText) {
        String run = "run " + f.get("runId") + (f.get("tier") == null ? "" : " (" + f.get("tier") + " risk)");
        return switch (event) {
            case "awaiting-approval" -> "agent-sandbox: " + run + " awaits approval (" + f.get("verdict") + ")";
            case "checkpoint-pending" -> "agent-sandbox: " + run + " asks before: " + agentText.apply(defang(String.valueOf(f.get("action"))));
            case "gates-failed" -> "agent-sandbox: the gates of " + run + " failed";
            case "merged" -> "agent-sandbox: " + run + " was merged into " + f.get("target");
            default -> "agent-sandbox: " + run + ": " + event;
        };
    }

    /**
     * Links in the agent's words are broken ({@code https://x} becomes {@code https[:]//x}, {@code www.x}
     * {@code www[.]x}): a notification never carries a clickable link the agent chose (a fake "Approve" page).
     */
    static String defang(String s) {
        return s.replace("://", "[:]//").replaceAll("(?i)\\bwww\\.", "www[.]").replaceAll("(?i)\\bmailto:", "mailto[:]");
    }

    /** Slack mrkdwn: &, < and > as entities, so that no <!channel>, <@user> or <url|text> is formed. */
    static String slackText(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Adaptive Card markdown: its markup characters escaped, so that no link, emphasis or list is formed. */
    static String teamsText(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if ("\\`*_{}[]()#+-.!|<>~".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    static byte[] slack(String event, Map<String, ?> f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("text", headline(event, f, Notifications::slackText) + (f.get("reviewUrl") == null ? "" : "\nReview: " + f.get("reviewUrl")));
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] teams(String event, Map<String, ?> f) {
        ObjectNode msg = JSON.createObjectNode();
        msg.put("type", "message");
        ObjectNode att = msg.putArray("attachments").addObject();
        att.put("contentType", "application/vnd.microsoft.card.adaptive");
        ObjectNode card = att.putObject("content");
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject().put("type", "TextBlock").put("text", headline(event, f, Notifications::teamsText)).put("weight", "Bolder").put("wrap", true);
        ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
        for (String k : List.of("runId", "tier", "verdict", "headCommit", "repository")) {
            if (f.get(k) != null) {
                facts.addObject().put("title", k).put("value", String.valueOf(f.get(k)));
            }
        }
        if (f.get("reviewUrl") != null) {
            card.putArray("actions").addObject().put("type", "Action.OpenUrl").put("title", "Review").put("url", String.valueOf(f.get("reviewUrl")));
        }
        return msg.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Outcome post(String name, String urlEnv, byte[] body, String secretEnv, String event) {
        String url = env.get(urlEnv);
        if (url == null || url.isBlank()) {
            return new Outcome(name, false, "the variable " + urlEnv + " is not set on the host");
        }
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url.strip())).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .header("X-Agent-Sandbox-Event", event).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        } catch (IllegalArgumentException e) {
            return new Outcome(name, false, "the value of " + urlEnv + " is not a URL");
        }
        if (secretEnv != null) {
            String secret = env.get(secretEnv);
            if (secret == null || secret.isEmpty()) {
                return new Outcome(name, false, "the variable " + secretEnv + " (the signing secret) is not set on the host");
            }
            b.header(SIGNATURE_HEADER, "sha256=" + hmac(secret, body));
        }
        String last = null;
        int attempt = 1;
        for (; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return new Outcome(name, true, null);
                }
                last = "HTTP " + r.statusCode();
                if (r.statusCode() / 100 == 4 && r.statusCode() != 429) {
                    return new Outcome(name, false, last + ": the receiver refused it"); // asking again changes nothing
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName(); // never the message: it may carry the address
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(name, false, "interrupted");
            }
            if (attempt < ATTEMPTS) {
                try {
                    Thread.sleep(backoff.toMillis() << (attempt - 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return new Outcome(name, false, last + " after " + ATTEMPTS + " attempts");
    }

    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Outcome email(String event, Map<String, ?> f) {
        NotifyConfig.Email e = config.email();
        String name = "email (" + e.hostEnv() + ")";
        String host = env.get(e.hostEnv());
        if (host == null || host.isBlank()) {
            return new Outcome(name, false, "the variable " + e.hostEnv() + " is not set on the host");
        }
        Properties p = new Properties();
        p.put("mail.smtp.host", host.strip());
        p.put("mail.smtp.port", String.valueOf(e.port()));
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.starttls.enable", String.valueOf(!e.starttls().equals("none")));
        p.put("mail.smtp.starttls.required", String.valueOf(e.starttls().equals("required")));
        String user = e.usernameEnv() == null ? null : env.get(e.usernameEnv());
        String password = e.passwordEnv() == null ? null : env.get(e.passwordEnv());
        p.put("mail.smtp.auth", String.valueOf(user != null));
        jakarta.mail.Session session = jakarta.mail.Session.getInstance(p, user == null ? null : new jakarta.mail.Authenticator() {
            @Override
            protected jakarta.mail.PasswordAuthentication getPasswordAuthentication() {
                return new jakarta.mail.PasswordAuthentication(user, password);
            }
        });
        try {
            jakarta.mail.internet.MimeMessage m = new jakarta.mail.internet.MimeMessage(session);
            m.setFrom(new jakarta.mail.internet.InternetAddress(e.from()));
            for (String to : e.to()) {
                m.addRecipient(jakarta.mail.Message.RecipientType.TO, new jakarta.mail.internet.InternetAddress(to));
            }
            m.setSubject(headline(event, f), "UTF-8");
            StringBuilder text = new StringBuilder(headline(event, f)).append("\n\n");
            f.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
            m.setText(text.toString(), "UTF-8");
            jakarta.mail.Transport.send(m);
            return new Outcome(name, true, null);
        } catch (jakarta.mail.MessagingException ex) {
            return new Outcome(name, false, ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": "
                    + ex.getMessage().replace(host, "(host)")));
        }
    }
}
