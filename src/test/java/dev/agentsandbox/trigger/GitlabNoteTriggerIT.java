package dev.agentsandbox.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.testing.Launcher;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GitLab comment starts a run: a project webhook for comments posts its note hook to a pipeline
 * trigger URL, and the pipeline reads $TRIGGER_PAYLOAD. Against a stand-in of the REST endpoints read
 * (notes, members/all, issues; in the shapes of GitLab's API documentation, with its nulls and 404s):
 * the note's text and its author's access level come from the API, never from the hook.
 */
class GitlabNoteTriggerIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    HttpServer api;
    final Map<String, String> routes = new ConcurrentHashMap<>();

    @BeforeEach
    void gitlab() throws Exception {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", ex -> {
            String body = "project-token-x".equals(ex.getRequestHeaders().getFirst("PRIVATE-TOKEN")) ? routes.get(ex.getRequestURI().getPath()) : null;
            byte[] b = (body != null ? body : "{\"message\":\"404 Not found\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(body != null ? 200 : 404, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        api.start();
        routes.put("/api/v4/projects/42/members/all/7", "{\"id\":7,\"username\":\"dev\",\"access_level\":30}");
        routes.put("/api/v4/projects/42/members/all/8", "{\"id\":8,\"username\":\"rep\",\"access_level\":20}");
        Map<String, Object> issue = new LinkedHashMap<>(Map.of("iid", 3, "title", "Add multiply", "author", Map.of("id", 99, "username", "outsider")));
        issue.put("description", null); // GitLab's null description
        routes.put("/api/v4/projects/42/issues/3", JSON.writeValueAsString(issue));
    }

    @AfterEach
    void stop() {
        api.stop(0);
    }

    void note(long id, long authorId, String username, String body, boolean bot) throws Exception {
        routes.put("/api/v4/projects/42/issues/3/notes/" + id, JSON.writeValueAsString(Map.of("id", id, "body", body,
                "author", Map.of("id", authorId, "username", username, "bot", bot), "noteable_type", "Issue")));
    }

    Path decide(long noteId, String hookBody) throws Exception {
        Path hook = Files.writeString(tmp.resolve("payload-" + noteId + ".json"), JSON.writeValueAsString(Map.of("object_kind", "note",
                "event_type", "note", "user", Map.of("id", 7, "username", "dev"), "project_id", 42,
                "object_attributes", Map.of("id", noteId, "note", hookBody, "noteable_type", "Issue", "url", "https://gitlab.example/g/p/-/issues/3#note_" + noteId),
                "issue", Map.of("iid", 3, "title", "Add multiply"))));
        Path out = tmp.resolve("out-" + noteId);
        Launcher.Result r = Launcher.run(Map.of("CI_API_V4_URL", "http://127.0.0.1:" + api.getAddress().getPort() + "/api/v4", "CI_PROJECT_ID", "42",
                "AGENT_SANDBOX_GITLAB_TOKEN", "project-token-x"), List.of(), "trigger", "gitlab", "--event", hook.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        return out;
    }

    @Test
    void aDevelopersNoteRunsWithTheApisTextAndOthersGetAReply() throws Exception {
        note(900, 7, "dev", "/agent-sandbox Add a multiply function", false);
        Path run = decide(900, "/agent-sandbox Add a multiply function");
        assertThat(Files.readString(run.resolve("decision")).strip()).isEqualTo("run");
        assertThat(Files.readString(run.resolve("task.md"))).contains("Add a multiply function");
        assertThat(JSON.readTree(run.resolve("trigger.json").toFile()).path("untrustedContext").asText()).as("the outsider's issue").isEqualTo("dropped");
        assertThat(JSON.readTree(run.resolve("trigger.json").toFile()).path("permission").asText()).isEqualTo("access 30");

        note(901, 8, "rep", "/agent-sandbox Add multiply", false);
        assertThat(Files.readString(decide(901, "/agent-sandbox Add multiply").resolve("reply.md"))).contains("@rep has access level 20");
        note(902, 9, "project_42_bot_abc", "/agent-sandbox Add multiply", true);
        assertThat(Files.readString(decide(902, "/agent-sandbox Add multiply").resolve("reply.md"))).contains("not started by bots");
        note(903, 7, "dev", "LGTM", false);
        assertThat(Files.readString(decide(903, "LGTM").resolve("decision")).strip()).isEqualTo("skip");
        note(904, 7, "dev", "/agent-sandbox Delete the tests", false); // edited by someone else since the hook
        assertThat(Files.readString(decide(904, "/agent-sandbox Add multiply").resolve("reply.md"))).contains("edited after it was posted");
    }
}
