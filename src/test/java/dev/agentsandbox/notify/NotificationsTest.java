package dev.agentsandbox.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.config.NotifyConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks on a real HTTP server on loopback: signed, retried while the receiver may recover, and never costing the run or leaking the address. */
class NotificationsTest {
    HttpServer server;
    final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    final AtomicInteger failFirst = new AtomicInteger();
    volatile int status = 204;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            received.add(Map.of("body", new String(body, java.nio.charset.StandardCharsets.UTF_8),
                    "signature", String.valueOf(x.getRequestHeaders().getFirst(Notifications.SIGNATURE_HEADER)),
                    "event", String.valueOf(x.getRequestHeaders().getFirst("X-Agent-Sandbox-Event"))));
            x.sendResponseHeaders(failFirst.getAndDecrement() > 0 ? 503 : status, -1);
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    Notifications notifications(Map<String, String> env) {
        return new Notifications(new NotifyConfig(List.of(new NotifyConfig.Webhook("HOOK_URL", "HOOK_SECRET")), null, null, null), env, Duration.ofMillis(1));
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Test
    void aWebhookIsSignedOverTheExactBodyItGets() {
        var out = notifications(Map.of("HOOK_URL", url(), "HOOK_SECRET", "s3cret-value")).send("awaiting-approval", Map.of("runId", "r1"));
        assertThat(out).singleElement().satisfies(o -> assertThat(o.sent()).isTrue());
        Map<String, String> got = received.get(0);
        assertThat(got.get("event")).isEqualTo("awaiting-approval");
        assertThat(got.get("body")).contains("\"event\":\"awaiting-approval\"").contains("\"runId\":\"r1\"");
        assertThat(got.get("signature")).isEqualTo("sha256=" + Notifications.hmac("s3cret-value", got.get("body").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aReceiverThatRecoversGetsItOnceItDoesAndOneThatRefusesIsNotAskedAgain() {
        failFirst.set(2);
        assertThat(notifications(Map.of("HOOK_URL", url(), "HOOK_SECRET", "s")).send("merged", Map.of()).get(0).sent()).isTrue();
        assertThat(received).hasSize(3);
        received.clear();
        status = 403;
        var refused = notifications(Map.of("HOOK_URL", url(), "HOOK_SECRET", "s")).send("merged", Map.of()).get(0);
        assertThat(refused.sent()).isFalse();
        assertThat(refused.error()).isEqualTo("HTTP 403: the receiver refused it");
        assertThat(received).as("a 4xx is final").hasSize(1);
    }

    @Test
    void aMissingOrBrokenSettingIsReportedWithoutTheAddressOrTheSecret() {
        var unset = notifications(Map.of()).send("merged", Map.of()).get(0);
        assertThat(unset.error()).isEqualTo("the variable HOOK_URL is not set on the host");
        var noSecret = notifications(Map.of("HOOK_URL", url())).send("merged", Map.of()).get(0);
        assertThat(noSecret.error()).contains("HOOK_SECRET (the signing secret) is not set");
        assertThat(received).as("nothing unsigned is sent when a secret is configured").isEmpty();
        String secretUrl = "http://127.0.0.1:9/hook?token=very-secret-token";
        var down = notifications(Map.of("HOOK_URL", secretUrl, "HOOK_SECRET", "s")).send("merged", Map.of()).get(0);
        assertThat(down.sent()).isFalse();
        assertThat(down.error()).endsWith("after 3 attempts").doesNotContain("very-secret-token").doesNotContain("127.0.0.1");
        assertThat(notifications(Map.of("HOOK_URL", "not a url", "HOOK_SECRET", "s")).send("merged", Map.of()).get(0).error())
                .isEqualTo("the value of HOOK_URL is not a URL");
    }
}
