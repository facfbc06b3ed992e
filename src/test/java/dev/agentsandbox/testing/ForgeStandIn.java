package dev.agentsandbox.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * A contract stand-in for the forge endpoints delivery uses, on loopback, backed by a real bare git
 * remote: GitHub's REST API (version 2022-11-28: create, get, list reviews of and merge a pull
 * request) and GitLab's REST API v4 (create, get, approvals of and merge a merge request). Each
 * request is checked against the operation's published description (method, path, authentication
 * header, required body fields and their types, enumerations); a breach is answered 422 and kept
 * in {@link #violations}. Answers carry the fields the descriptions give (abridged). The heads come
 * from the remote, so a push after opening moves the request's head as on the real forge; merges
 * write a merge commit on the remote. No forge runs here: this is a stand-in, not GitHub or GitLab.
 */
public final class ForgeStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GH = Pattern.compile("/repos/([^/]+)/([^/]+)/pulls(?:/(\\d+)(/reviews|/merge)?)?");
    private static final Pattern GL = Pattern.compile("/api/v4/projects/([^/]+)/merge_requests(?:/(\\d+)(/approvals|/merge)?)?");

    private final HttpServer server;
    private final Path remote;
    public final List<String> violations = new CopyOnWriteArrayList<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** The workflow run's deployment reviews (GET .../actions/runs/{id}/approvals), as JSON. */
    public volatile String runApprovals = "[]";
    /** GitLab's project setting "Remove all approvals when commits are added". */
    public volatile boolean resetApprovalsOnPush = true;
    private final Map<Integer, ObjectNode> requestsByNumber = new ConcurrentHashMap<>();
    private final Map<Integer, ArrayNode> reviews = new ConcurrentHashMap<>();

    public ForgeStandIn(Path bareRemote) throws IOException {
        this.remote = bareRemote;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A review as GitHub lists it, by a deleted account (user: null) or with no commit (commit_id: null), as GitHub can answer. */
    public void rawReview(int number, com.fasterxml.jackson.databind.node.ObjectNode review) {
        reviews.computeIfAbsent(number, n -> JSON.createArrayNode()).add(review);
    }

    /** A review made at a given time. */
    public void review(int number, String user, String state, String commit, String submittedAt) {
        review(number, user, state, commit);
        ArrayNode list = reviews.get(number);
        ((ObjectNode) list.get(list.size() - 1)).put("submitted_at", submittedAt);
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new java.util.HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    /** A review as GitHub lists it (state APPROVED, CHANGES_REQUESTED, …, on a commit), or an approval on GitLab. */
    public void review(int number, String user, String state, String commit) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", System.nanoTime());
        r.putObject("user").put("login", user).put("username", user);
        r.put("state", state);
        r.put("commit_id", commit);
        r.put("submitted_at", java.time.Instant.now().toString());
        r.put("author_association", "COLLABORATOR");
        reviews.computeIfAbsent(number, n -> JSON.createArrayNode()).add(r);
    }

    private void handle(HttpExchange ex) throws IOException {
        // raw: GitLab names a project path URL-encoded (group%2Fname), and a decoded one is another path
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        requests.add(method + " " + path);
        JsonNode body = null;
        byte[] raw = ex.getRequestBody().readAllBytes();
        try {
            body = raw.length == 0 ? null : JSON.readTree(raw);
        } catch (IOException e) {
            answer(ex, 400, error("Problems parsing JSON"));
            return;
        }
        Matcher gh = GH.matcher(path);
        Matcher gl = GL.matcher(path);
        try {
            if (method.equals("GET") && path.matches("/api/v4/projects/[^/]+/approvals")) {
                // projects/approvals (configuration): whether approvals are dropped when commits are added
                answer(ex, 200, JSON.createObjectNode().put("reset_approvals_on_push", resetApprovalsOnPush));
            } else if (method.equals("GET") && path.matches("/repos/[^/]+/[^/]+/actions/runs/\\d+/approvals")) {
                // actions/get-reviews-for-run: the run's deployment review history, as the approve job reads it
                answer(ex, 200, JSON.readTree(runApprovals));
            } else if (gh.matches()) {
                github(ex, method, gh, body);
            } else if (gl.matches()) {
                gitlab(ex, method, gl, body);
            } else {
                violation(ex, "no such operation: " + method + " " + path);
            }
        } catch (RuntimeException e) {
            answer(ex, 500, error(e.toString()));
        }
    }

    private void github(HttpExchange ex, String method, Matcher m, JsonNode body) throws IOException {
        if (!String.valueOf(ex.getRequestHeaders().getFirst("Authorization")).startsWith("Bearer ")) {
            answer(ex, 401, error("Requires authentication"));
            return;
        }
        if (!"2022-11-28".equals(ex.getRequestHeaders().getFirst("X-GitHub-Api-Version"))) {
            violation(ex, "X-GitHub-Api-Version is not a published version");
            return;
        }
        String number = m.group(3);
        String sub = m.group(4);
        if (number == null && method.equals("POST")) {
            // pulls/create: title, head, base required strings; body string; maintainer_can_modify boolean
            if (!fields(ex, body, Map.of("title", true, "head", true, "base", true), Map.of("body", "string", "maintainer_can_modify", "boolean"))) {
                return;
            }
            if (head(body.path("head").asText()) == null) {
                answer(ex, 422, error("Validation Failed"));
                return;
            }
            int n = requestsByNumber.size() + 1;
            ObjectNode pr = JSON.createObjectNode();
            pr.put("number", n);
            pr.put("html_url", url() + "/" + m.group(1) + "/" + m.group(2) + "/pull/" + n);
            pr.put("state", "open");
            pr.put("title", body.path("title").asText());
            pr.put("body", body.path("body").asText(null));
            pr.putObject("head").put("ref", body.path("head").asText());
            pr.putObject("base").put("ref", body.path("base").asText());
            requestsByNumber.put(n, pr);
            answer(ex, 201, live(pr));
        } else if (number != null && sub == null && method.equals("GET")) {
            ObjectNode pr = requestsByNumber.get(Integer.parseInt(number));
            answer(ex, pr == null ? 404 : 200, pr == null ? error("Not Found") : live(pr));
        } else if ("/reviews".equals(sub) && method.equals("GET")) {
            // pulls/list-reviews: paginated as GitHub does (per_page at most 100, 30 when not given; pages from 1)
            ArrayNode all = reviews.getOrDefault(Integer.parseInt(number), JSON.createArrayNode());
            Map<String, String> q = query(ex);
            int perPage = Math.min(100, Integer.parseInt(q.getOrDefault("per_page", "30")));
            int page = Integer.parseInt(q.getOrDefault("page", "1"));
            ArrayNode slice = JSON.createArrayNode();
            for (int i = (page - 1) * perPage; i < Math.min(all.size(), page * perPage); i++) {
                slice.add(all.get(i));
            }
            answer(ex, 200, slice);
        } else if ("/merge".equals(sub) && method.equals("PUT")) {
            // pulls/merge: sha string, merge_method enum merge|squash|rebase, commit_title string
            if (!fields(ex, body, Map.of(), Map.of("sha", "string", "commit_title", "string", "merge_method", "string"))) {
                return;
            }
            if (body.has("merge_method") && !List.of("merge", "squash", "rebase").contains(body.path("merge_method").asText())) {
                violation(ex, "merge_method is not one of merge, squash, rebase");
                return;
            }
            ObjectNode pr = requestsByNumber.get(Integer.parseInt(number));
            ObjectNode now = live(pr);
            if (body.has("sha") && !body.path("sha").asText().equals(now.path("head").path("sha").asText())) {
                answer(ex, 409, error("Head branch was modified. Review and try the merge again."));
                return;
            }
            String merged = mergeOnRemote(now.path("head").path("sha").asText(), pr.path("base").path("ref").asText(),
                    body.path("commit_title").asText("Merge pull request #" + number));
            if (merged == null) {
                answer(ex, 405, error("Pull Request is not mergeable"));
                return;
            }
            pr.put("state", "closed");
            ObjectNode r = JSON.createObjectNode().put("sha", merged).put("merged", true).put("message", "Pull Request successfully merged");
            answer(ex, 200, r);
        } else {
            violation(ex, "no such operation: " + method + " " + ex.getRequestURI().getRawPath());
        }
    }

    private void gitlab(HttpExchange ex, String method, Matcher m, JsonNode body) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if ((auth == null || !auth.startsWith("Bearer ")) && ex.getRequestHeaders().getFirst("PRIVATE-TOKEN") == null) {
            answer(ex, 401, error("401 Unauthorized"));
            return;
        }
        String iid = m.group(2);
        String sub = m.group(3);
        if (iid == null && method.equals("POST")) {
            // POST /projects/:id/merge_requests: source_branch, target_branch, title required strings
            if (!fields(ex, body, Map.of("source_branch", true, "target_branch", true, "title", true),
                    Map.of("description", "string", "remove_source_branch", "boolean"))) {
                return;
            }
            if (head(body.path("source_branch").asText()) == null) {
                answer(ex, 404, error("404 Source branch Not Found"));
                return;
            }
            int n = requestsByNumber.size() + 1;
            ObjectNode mr = JSON.createObjectNode();
            mr.put("iid", n);
            mr.put("web_url", url() + "/group/project/-/merge_requests/" + n);
            mr.put("state", "opened");
            mr.put("title", body.path("title").asText());
            mr.put("description", body.path("description").asText(null));
            mr.put("source_branch", body.path("source_branch").asText());
            mr.put("target_branch", body.path("target_branch").asText());
            requestsByNumber.put(n, mr);
            answer(ex, 201, liveMr(mr));
        } else if (iid != null && sub == null && method.equals("GET")) {
            ObjectNode mr = requestsByNumber.get(Integer.parseInt(iid));
            answer(ex, mr == null ? 404 : 200, mr == null ? error("404 Not found") : liveMr(mr));
        } else if ("/approvals".equals(sub) && method.equals("GET")) {
            ObjectNode a = JSON.createObjectNode();
            ArrayNode by = a.putArray("approved_by");
            for (JsonNode r : reviews.getOrDefault(Integer.parseInt(iid), JSON.createArrayNode())) {
                by.addObject().putObject("user").put("username", r.path("user").path("username").asText());
            }
            a.put("approved", !by.isEmpty());
            answer(ex, 200, a);
        } else if ("/merge".equals(sub) && method.equals("PUT")) {
            // PUT /projects/:id/merge_requests/:iid/merge: sha string, merge_commit_message string, should_remove_source_branch boolean
            if (!fields(ex, body, Map.of(), Map.of("sha", "string", "merge_commit_message", "string", "should_remove_source_branch", "boolean"))) {
                return;
            }
            ObjectNode mr = requestsByNumber.get(Integer.parseInt(iid));
            ObjectNode now = liveMr(mr);
            if (body.has("sha") && !body.path("sha").asText().equals(now.path("sha").asText())) {
                answer(ex, 409, error("SHA does not match HEAD of source branch: " + now.path("sha").asText()));
                return;
            }
            String merged = mergeOnRemote(now.path("sha").asText(), mr.path("target_branch").asText(),
                    body.path("merge_commit_message").asText("Merge branch"));
            if (merged == null) {
                answer(ex, 405, error("405 Method Not Allowed"));
                return;
            }
            mr.put("state", "merged");
            ObjectNode r = liveMr(mr);
            r.put("merge_commit_sha", merged);
            answer(ex, 200, r);
        } else {
            violation(ex, "no such operation: " + method + " " + ex.getRequestURI().getRawPath());
        }
    }

    /** Required fields present as strings; optional ones, when present, of their type. */
    private boolean fields(HttpExchange ex, JsonNode body, Map<String, Boolean> required, Map<String, String> optional) throws IOException {
        if (body == null || !body.isObject()) {
            violation(ex, "the body is not a JSON object");
            return false;
        }
        for (String f : required.keySet()) {
            if (!body.path(f).isTextual() || body.path(f).asText().isEmpty()) {
                violation(ex, f + " is required (a string)");
                return false;
            }
        }
        for (var e : optional.entrySet()) {
            JsonNode v = body.get(e.getKey());
            if (v != null && !v.isNull() && !(e.getValue().equals("string") ? v.isTextual() : v.isBoolean())) {
                violation(ex, e.getKey() + " must be a " + e.getValue());
                return false;
            }
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!required.containsKey(f) && !optional.containsKey(f)) {
                violations.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + ": " + f + " is not a parameter of this operation");
            }
        });
        return true;
    }

    private ObjectNode live(ObjectNode pr) {
        ObjectNode copy = pr.deepCopy();
        ObjectId h = head(pr.path("head").path("ref").asText());
        ((ObjectNode) copy.get("head")).put("sha", h == null ? null : h.name());
        ObjectId b = head(pr.path("base").path("ref").asText());
        ((ObjectNode) copy.get("base")).put("sha", b == null ? null : b.name());
        return copy;
    }

    private ObjectNode liveMr(ObjectNode mr) {
        ObjectNode copy = mr.deepCopy();
        ObjectId h = head(mr.path("source_branch").asText());
        copy.put("sha", h == null ? null : h.name());
        return copy;
    }

    private ObjectId head(String branch) {
        try (Git g = Git.open(remote.toFile())) {
            var ref = g.getRepository().exactRef(Constants.R_HEADS + branch);
            return ref == null ? null : ref.getObjectId();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A merge commit of head into base on the remote, as the forge's merge button makes it; null when base is not head's ancestor. */
    private synchronized String mergeOnRemote(String headSha, String base, String title) {
        try (Git g = Git.open(remote.toFile()); RevWalk rw = new RevWalk(g.getRepository()); ObjectInserter ins = g.getRepository().newObjectInserter()) {
            Repository repo = g.getRepository();
            RevCommit head = rw.parseCommit(ObjectId.fromString(headSha));
            RevCommit target = rw.parseCommit(repo.exactRef(Constants.R_HEADS + base).getObjectId());
            if (!rw.isMergedInto(target, head)) {
                return null;
            }
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(head.getTree());
            cb.setParentIds(target, head);
            PersonIdent who = new PersonIdent("Forge", "noreply@forge.invalid");
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage(title + "\n");
            ObjectId merge = ins.insert(cb);
            ins.flush();
            RefUpdate ru = repo.updateRef(Constants.R_HEADS + base);
            ru.setExpectedOldObjectId(target);
            ru.setNewObjectId(merge);
            RefUpdate.Result r = ru.update(rw);
            return r == RefUpdate.Result.FAST_FORWARD || r == RefUpdate.Result.FORCED ? merge.name() : null;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void violation(HttpExchange ex, String what) throws IOException {
        violations.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + ": " + what);
        answer(ex, 422, error("Validation Failed: " + what));
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("message", message);
    }

    private static void answer(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
