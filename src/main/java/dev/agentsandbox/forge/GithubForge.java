package dev.agentsandbox.forge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GitHub's pull requests (REST API, version 2022-11-28): create, read, reviews, merge with the head's SHA. */
public final class GithubForge implements Forge {
    private static final int MAX_REVIEW_PAGES = 30;
    /** Who may speak for a repository: anyone with an account can review a public one. */
    private static final java.util.Set<String> TRUSTED = java.util.Set.of("OWNER", "MEMBER", "COLLABORATOR");
    private final ForgeHttp http;
    private final String repo;

    /** @param repo "owner/name" */
    public GithubForge(URI api, String repo, String token) throws UsageException {
        if (repo == null || !repo.matches("[A-Za-z0-9._-]+/[A-Za-z0-9._-]+")) {
            throw new UsageException("--project must be owner/name for GitHub (default: $GITHUB_REPOSITORY), not '" + repo + "'");
        }
        this.repo = repo;
        this.http = new ForgeHttp(api, Map.of("Authorization", "Bearer " + token, "X-GitHub-Api-Version", "2022-11-28",
                "Accept", "application/vnd.github+json"), "GitHub");
    }

    @Override
    public String project() {
        return repo;
    }

    @Override
    public String noun() {
        return "pull request";
    }

    @Override
    public ChangeRequest open(String sourceBranch, String targetBranch, String title, String body) throws AgentSandboxException {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("title", title);
        req.put("head", sourceBranch);
        req.put("base", targetBranch);
        req.put("body", body);
        req.put("maintainer_can_modify", false);
        return pull(http.call("POST", "repos/" + repo + "/pulls", req, 201).body());
    }

    @Override
    public ChangeRequest get(String number) throws AgentSandboxException {
        return pull(http.call("GET", "repos/" + repo + "/pulls/" + number(number), null, 200).body());
    }

    /** GitHub's reviews name the commit they were made on. */
    @Override
    public boolean reviewsNameCommits() {
        return true;
    }

    @Override
    public List<Review> reviews(String number) throws AgentSandboxException {
        // Chronological across pages: a person's later review (changes requested, or approved again) replaces the
        // earlier one, so every page is read; one person is one identity whatever case the forge gives.
        Map<String, JsonNode> latest = new LinkedHashMap<>();
        for (int page = 1; ; page++) {
            if (page > MAX_REVIEW_PAGES) {
                throw new RefusedException("the pull request has more than " + (MAX_REVIEW_PAGES * 100) + " reviews: too many to judge; nothing is merged");
            }
            JsonNode reviews = http.call("GET", "repos/" + repo + "/pulls/" + number(number) + "/reviews?per_page=100&page=" + page, null, 200).body();
            if (!reviews.isArray()) {
                throw new RefusedException("GitHub's reviews answer is not a list; nothing is merged");
            }
            for (JsonNode r : reviews) {
                String state = r.path("state").asText();
                String login = r.path("user").path("login").asText(null); // a deleted account's review has user: null
                String who = dev.agentsandbox.identity.Identity.idOrNull(login);
                if (who != null && (state.equals("APPROVED") || state.equals("CHANGES_REQUESTED") || state.equals("DISMISSED"))) {
                    latest.put(who, r);
                }
            }
            if (reviews.size() < 100) {
                break;
            }
        }
        List<Review> out = new ArrayList<>();
        latest.forEach((user, r) -> {
            String state = r.path("state").asText();
            if (state.equals("APPROVED") || state.equals("CHANGES_REQUESTED")) {
                out.add(new Review(r.path("user").path("login").asText(), r.path("commit_id").isTextual() ? r.path("commit_id").asText() : null,
                        r.path("submitted_at").isTextual() ? r.path("submitted_at").asText() : null,
                        TRUSTED.contains(r.path("author_association").asText()) ? null : "not an owner, member or collaborator of the repository",
                        state.equals("APPROVED")));
            }
        });
        return out;
    }

    @Override
    public String merge(String number, String sha, String title) throws AgentSandboxException {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("sha", sha);
        req.put("merge_method", "merge");
        req.put("commit_title", title);
        ForgeHttp.Answer a = http.call("PUT", "repos/" + repo + "/pulls/" + number(number) + "/merge", req, 200, 405, 409, 422);
        if (a.status() == 409) {
            throw new RefusedException("GitHub refused the merge: the pull request's head is no longer " + sha + " ("
                    + a.body().path("message").asText() + "); nothing was merged");
        }
        if (a.status() != 200 || !a.body().path("merged").asBoolean()) {
            throw new RefusedException("GitHub did not merge the pull request: " + a.body().path("message").asText()
                    + " (required checks or reviews, or conflicts)");
        }
        return a.body().path("sha").asText();
    }

    private static ChangeRequest pull(JsonNode p) {
        return new ChangeRequest(p.path("number").asText(), p.path("html_url").asText(), p.path("head").path("sha").asText(),
                p.path("base").path("ref").asText(), p.path("state").asText().equals("open"));
    }

    private static String number(String n) throws UsageException {
        if (n == null || !n.matches("\\d{1,9}")) {
            throw new UsageException("a pull request number is digits, not '" + n + "'");
        }
        return n;
    }
}
