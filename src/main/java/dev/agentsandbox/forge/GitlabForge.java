package dev.agentsandbox.forge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitLab's merge requests (REST API v4): create, read, approvals, merge with the head's SHA.
 * GitLab's approvals name no commit: merge relies on the head check, and projects should reset
 * approvals when commits are added (a project setting).
 */
public final class GitlabForge implements Forge {
    private final ForgeHttp http;
    private final String project;

    /** @param project a numeric id or a "group/name" path */
    public GitlabForge(URI api, String project, String token) throws UsageException {
        if (project == null || project.isBlank()) {
            throw new UsageException("--project is required for GitLab (default: $CI_PROJECT_PATH)");
        }
        this.project = URLEncoder.encode(project, StandardCharsets.UTF_8);
        this.http = new ForgeHttp(api, Map.of("Authorization", "Bearer " + token), "GitLab");
    }

    @Override
    public String project() {
        return java.net.URLDecoder.decode(project, StandardCharsets.UTF_8);
    }

    @Override
    public String noun() {
        return "merge request";
    }

    @Override
    public ChangeRequest open(String sourceBranch, String targetBranch, String title, String body) throws AgentSandboxException {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("source_branch", sourceBranch);
        req.put("target_branch", targetBranch);
        req.put("title", title);
        req.put("description", body);
        req.put("remove_source_branch", false);
        return mr(http.call("POST", "projects/" + project + "/merge_requests", req, 201).body());
    }

    @Override
    public ChangeRequest get(String number) throws AgentSandboxException {
        return mr(http.call("GET", "projects/" + project + "/merge_requests/" + iid(number), null, 200).body());
    }

    @Override
    public List<Review> reviews(String number) throws AgentSandboxException {
        // GitLab's approvals name no commit: they speak for the run's commit only where the project drops them when commits are added
        boolean reset = http.call("GET", "projects/" + project + "/approvals", null, 200).body().path("reset_approvals_on_push").asBoolean(false);
        String distrust = reset ? null : "this project keeps approvals when commits are added, and GitLab's approvals name no commit"
                + " (turn on \"Remove all approvals when commits are added\")";
        JsonNode a = http.call("GET", "projects/" + project + "/merge_requests/" + iid(number) + "/approvals", null, 200).body();
        List<Review> out = new ArrayList<>();
        for (JsonNode by : a.path("approved_by")) {
            // GitLab lets only project members with the right to approve do so
            out.add(new Review(by.path("user").path("username").asText(null), null, by.path("approved_at").isTextual() ? by.path("approved_at").asText() : null,
                    distrust, true));
        }
        return out;
    }

    @Override
    public String merge(String number, String sha, String title) throws AgentSandboxException {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("sha", sha);
        req.put("merge_commit_message", title);
        req.put("should_remove_source_branch", false);
        ForgeHttp.Answer a = http.call("PUT", "projects/" + project + "/merge_requests/" + iid(number) + "/merge", req, 200, 405, 406, 409, 422);
        if (a.status() == 409) {
            throw new RefusedException("GitLab refused the merge: the merge request's head is no longer " + sha + " ("
                    + a.body().path("message").asText() + "); nothing was merged");
        }
        if (a.status() != 200 || !a.body().path("state").asText().equals("merged")) {
            throw new RefusedException("GitLab did not merge the merge request: " + a.body().path("message").asText(a.body().toString())
                    + " (pipelines, approvals or conflicts)");
        }
        JsonNode c = a.body().path("merge_commit_sha");
        return c.isTextual() ? c.asText() : a.body().path("sha").asText();
    }

    private static ChangeRequest mr(JsonNode m) {
        return new ChangeRequest(m.path("iid").asText(), m.path("web_url").asText(), m.path("sha").asText(), m.path("target_branch").asText(),
                m.path("state").asText().equals("opened"));
    }

    private static String iid(String n) throws UsageException {
        if (n == null || !n.matches("\\d{1,9}")) {
            throw new UsageException("a merge request number (iid) is digits, not '" + n + "'");
        }
        return n;
    }
}
