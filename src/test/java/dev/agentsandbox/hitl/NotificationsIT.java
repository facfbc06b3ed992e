package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reviewers are told: a signed webhook, Slack and Teams endpoints on loopback, and e-mail to a real
 * SMTP server in-process (GreenMail), through a real run. A failing receiver is retried, then audited,
 * and never costs the run.
 */
class NotificationsIT {
    record Hit(String path, Map<String, List<String>> headers, String body) {
    }

    @TempDir
    Path tmp;
    HttpServer http;
    GreenMail mail;
    final List<Hit> hits = new CopyOnWriteArrayList<>();
    final AtomicInteger flaky = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int status = ex.getRequestURI().getPath().equals("/down") ? 503
                    : ex.getRequestURI().getPath().equals("/flaky") && flaky.getAndIncrement() == 0 ? 500 : 200;
            hits.add(new Hit(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), new String(body, StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        http.start();
        mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
    }

    @AfterEach
    void tearDown() {
        http.stop(0);
        mail.stop();
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    @Test
    void aRunAwaitingApprovalIsNotifiedOnEveryChannel() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                notify:
                  webhooks:
                    - { url-env: HOOK_URL, secret-env: HOOK_SECRET }
                    - { url-env: FLAKY_URL }
                    - { url-env: DOWN_URL }
                  slack: { webhook-env: SLACK_URL }
                  teams: { webhook-env: TEAMS_URL }
                  email: { host-env: SMTP_HOST, port: %d, from: agent-sandbox@ci.invalid, to: [reviewers@team.invalid], starttls: optional }
                """.formatted(mail.getSmtp().getPort()));
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target/agent-sandbox.jar").toAbsolutePath().toString(), "run",
                "--repo", repo.dir.toString(), "--task", "add multiply", "--image", TestHost.IMAGE, "--command",
                "mkdir -p db/migrations && echo 'CREATE TABLE t (id int);' > db/migrations/001.sql", "--config", cfg.toString(),
                "--bundle", tmp.resolve("bundle").toString(), "--quiet").redirectErrorStream(true);
        pb.environment().putAll(Map.of("HOOK_URL", url("/hook"), "HOOK_SECRET", "s3cret-for-hmac", "FLAKY_URL", url("/flaky"),
                "DOWN_URL", url("/down"), "SLACK_URL", url("/slack"), "TEAMS_URL", url("/teams"), "SMTP_HOST", "127.0.0.1", "LC_ALL", "C.UTF-8"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        Hit hook = hits.stream().filter(h -> h.path().equals("/hook")).findFirst().orElseThrow();
        JsonNode body = new ObjectMapper().readTree(hook.body());
        assertThat(body.get("event").asText()).isEqualTo("awaiting-approval");
        assertThat(body.get("tier").asText()).isEqualTo("critical");
        assertThat(body.get("verdict").asText()).isIn("pass", "warn");
        assertThat(body.get("reviewUrl").asText()).endsWith("reports/review.html");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret-for-hmac".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(hook.body().getBytes(StandardCharsets.UTF_8)));
        assertThat(hook.headers().get("X-agent-sandbox-signature")).containsExactly(expected);
        assertThat(hits.stream().filter(h -> h.path().equals("/flaky")).count()).as("retried after a 500").isEqualTo(2);
        assertThat(hits.stream().filter(h -> h.path().equals("/down")).count()).as("three attempts, then given up").isEqualTo(3);
        assertThat(hits.stream().filter(h -> h.path().equals("/slack")).findFirst().orElseThrow().body()).contains("awaits approval");
        assertThat(hits.stream().filter(h -> h.path().equals("/teams")).findFirst().orElseThrow().body())
                .contains("application/vnd.microsoft.card.adaptive").contains("AdaptiveCard").contains("Action.OpenUrl");
        assertThat(mail.waitForIncomingEmail(10_000, 1)).isTrue();
        var m = mail.getReceivedMessages()[0];
        assertThat(m.getSubject()).contains("awaits approval").contains("critical");
        assertThat(m.getAllRecipients()[0].toString()).isEqualTo("reviewers@team.invalid");

        String audit = Files.readString(tmp.resolve("bundle/audit.jsonl"));
        assertThat(audit).contains("\"stage\":\"notify\",\"event\":\"sent\"").contains("\"event\":\"failed\"").contains("DOWN_URL")
                .doesNotContain(url("/down")).doesNotContain("s3cret-for-hmac");
        assertThat(Cli.run("verify", "--run", tmp.resolve("bundle").toString()).exitCode).as("a failed notification costs nothing").isZero();
    }
}
