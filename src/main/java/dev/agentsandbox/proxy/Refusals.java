package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A refused request's answer to the agent, in the providers' error shape, recorded before the agent can read it. */
final class Refusals {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Refusals() {
    }

    static void send(ProxyListener listener, OutputStream out, EgressPolicy.Refusal no, ProxyRequest req, String model, long t0,
            String provider, String path) throws IOException {
        byte[] body = JSON.writeValueAsBytes(Map.of("type", "error", "error", Map.of("type", "agent_sandbox_refused", "rule", no.rule(),
                "message", no.message())));
        // recorded before the agent can read the answer: once it has, it may end, and the run with it
        listener.onRequest(new ProxyEvent(req == null ? "?" : req.method(), provider, null, path, no.status(), req == null ? 0 : req.body().length,
                body.length, (System.nanoTime() - t0) / 1_000_000, model, 0, 0, no.rule(), null));
        out.write(("HTTP/1.1 " + no.status() + " " + ResponseRelay.reason(no.status()) + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }
}
