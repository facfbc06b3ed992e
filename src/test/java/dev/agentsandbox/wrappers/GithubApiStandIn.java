package dev.agentsandbox.wrappers;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the one GitHub REST endpoint the action reads, on loopback: the review history of a
 * workflow run ({@code GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals}), answered in the
 * shape GitHub's REST API description gives it (an array of {@code environments}, {@code state},
 * {@code user}, {@code comment}). No GitHub runs here; this is a contract stand-in, not GitHub.
 */
final class GithubApiStandIn implements AutoCloseable {
    private final HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile String approvals = "[]";

    GithubApiStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + auth);
            boolean ok = ex.getRequestURI().getPath().matches("/repos/[^/]+/[^/]+/actions/runs/\\d+/approvals") && auth.startsWith("Bearer ");
            byte[] body = (ok ? approvals : "{\"message\":\"Not Found\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            ex.sendResponseHeaders(ok ? 200 : 404, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** One review of the history, as GitHub answers it (environment fields abridged). */
    static String approval(String login, String environment, String state, String comment) {
        return """
                [{"environments":[{"id":161088068,"node_id":"MDExOkVudmlyb25tZW50MTYxMDg4MDY4","name":"%s",\
                "url":"https://api.github.com/repos/acme/calc/environments/%s","html_url":"https://github.com/acme/calc/deployments/activity_log?environments_filter=%s",\
                "created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-01T10:00:00Z"}],\
                "state":"%s","comment":"%s","user":{"login":"%s","id":1,"node_id":"MDQ6VXNlcjE=","type":"User","site_admin":false}}]"""
                .formatted(environment, environment, environment, state, comment, login);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
