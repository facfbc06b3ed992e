package dev.agentsandbox.forge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.UsageException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A run asked for in a GitLab issue or merge-request comment. A note cannot start a pipeline by
 * itself: a project webhook (comments) posts to a pipeline trigger URL, and GitLab hands the hook's
 * payload to the pipeline as the file variable TRIGGER_PAYLOAD. Only the note's id and place are
 * taken from it; its text, its author and their access level are read through the REST API, with a
 * token that may read the project (the job token cannot read notes).
 */
public final class GitlabTrigger {
    /** Developer: the least access that may push to a branch. */
    public static final int DEVELOPER = 30;
    private final ForgeHttp http;
    private final String project;

    public GitlabTrigger(URI api, String project, String token) throws UsageException {
        if (project == null || project.isBlank()) {
            throw new UsageException("the project is required ($CI_PROJECT_ID)");
        }
        if (token == null || token.isBlank()) {
            throw new UsageException("reading the note and its author's access needs a token that may read the project (read_api):"
                    + " set AGENT_SANDBOX_GITLAB_TOKEN (the job token cannot read notes)");
        }
        this.project = URLEncoder.encode(project, StandardCharsets.UTF_8);
        this.http = new ForgeHttp(api, Map.of("PRIVATE-TOKEN", token.strip()), "GitLab");
    }

    /**
     * @param minimumAccess the access level that may ask (30 developer, 40 maintainer, 50 owner)
     */
    public GithubTrigger.Outcome decide(JsonNode hook, String commandWord, int minimumAccess, boolean markUntrusted) throws AgentSandboxException {
        if (!"note".equals(hook.path("object_kind").asText())) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.SKIP, null, null, null, 0);
        }
        JsonNode attrs = hook.path("object_attributes");
        String type = attrs.path("noteable_type").asText();
        JsonNode thread = type.equals("Issue") ? hook.path("issue") : type.equals("MergeRequest") ? hook.path("merge_request") : null;
        if (thread == null) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.SKIP, null, null, null, 0);
        }
        long iid = thread.path("iid").asLong(0);
        long noteId = attrs.path("id").asLong(0);
        if (iid <= 0 || noteId <= 0) {
            throw new UsageException("the note hook names no note or " + type);
        }
        String kind = type.equals("Issue") ? "issues" : "merge_requests";
        JsonNode note = http.call("GET", "projects/" + project + "/" + kind + "/" + iid + "/notes/" + noteId, null, 200).body();
        String raw = GithubTrigger.raw(note.path("body"));
        String body = GithubTrigger.text(note.path("body"));
        String request = GithubTrigger.command(body, commandWord);
        if (request == null) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.SKIP, null, null, null, iid);
        }
        if (!raw.equals(GithubTrigger.raw(attrs.path("note")))) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.REFUSE, null, "This comment was edited after it was posted: a run takes the"
                    + " words of the person it is recorded for. Ask again in a new comment.", null, iid);
        }
        JsonNode author = note.path("author");
        String login = author.path("username").asText("");
        if (login.isEmpty() || author.path("bot").asBoolean(false) || login.matches("(project|group)_\\d+_bot.*")) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.REFUSE, null, "Runs are not started by bots (" + (login.isEmpty() ? "no user" : "@" + login) + ").",
                    null, iid);
        }
        int access = access(author.path("id").asLong(0));
        if (access < minimumAccess) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.REFUSE, null, "@" + login + " has access level " + access
                    + " on this project; starting a run needs " + minimumAccess + " (Developer) or more.", null, iid);
        }
        if (request.isBlank()) {
            return new GithubTrigger.Outcome(GithubTrigger.Decision.REFUSE, null, "Say what the agent should do after `" + commandWord + "`.", null, iid);
        }
        JsonNode full = http.call("GET", "projects/" + project + "/" + kind + "/" + iid, null, 200).body();
        String context = "## " + GithubTrigger.text(full.path("title")) + "\n\n" + GithubTrigger.text(full.path("description"));
        // the issue's text is the requester's only when they wrote it; anyone else's is data, dropped or marked
        boolean trusted = full.path("author").path("id").asLong(-1) == author.path("id").asLong(-2)
                && access(full.path("author").path("id").asLong(0)) >= minimumAccess;
        String what = trusted ? "none" : markUntrusted ? "marked" : "dropped";
        String task = request.strip() + (trusted ? "\n\n---\nThe " + (type.equals("Issue") ? "issue" : "merge request") + " this was asked on:\n\n" + context
                : markUntrusted ? GithubTrigger.untrusted(full.path("author").path("username").asText("?"), context) : "");
        return new GithubTrigger.Outcome(GithubTrigger.Decision.RUN, task, null, new RunRecord.Trigger("gitlab-note", attrs.path("url").asText(null),
                login, "access " + access, GithubTrigger.sha256(raw), what), iid);
    }

    private final Map<Long, Integer> levels = new java.util.HashMap<>();

    /** The user's access level on the project, inherited included; 0 when not a member. */
    private int access(long userId) throws AgentSandboxException {
        if (userId <= 0) {
            return 0;
        }
        if (!levels.containsKey(userId)) {
            ForgeHttp.Answer a = http.call("GET", "projects/" + project + "/members/all/" + userId, null, 200, 404);
            JsonNode m = a.body();
            // a blocked account, a membership awaiting approval or past its expiry gives no access
            boolean current = a.status() == 200 && m.path("state").asText("active").equals("active")
                    && m.path("membership_state").asText("active").equals("active")
                    && (!m.path("expires_at").isTextual() || !java.time.LocalDate.parse(m.path("expires_at").asText().substring(0, 10))
                            .isBefore(java.time.LocalDate.now(java.time.ZoneOffset.UTC)));
            levels.put(userId, current ? m.path("access_level").asInt(0) : 0);
        }
        return levels.get(userId);
    }
}
