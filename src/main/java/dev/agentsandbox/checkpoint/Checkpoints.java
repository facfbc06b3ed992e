package dev.agentsandbox.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.bundle.BundleSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checkpoints: the agent stops before a dangerous action and a person answers (seed 003 §5.4). The
 * agent's {@code POST $AGENT_SANDBOX_URL/v1/checkpoints} with {@code {"action", "risk", "detail"}}
 * blocks until {@code agent-sandbox checkpoint approve|reject} answers on the host, or until the
 * timeout rejects it. Pending checkpoints are files in the bundle ({@code checkpoints/<id>.json}),
 * so they survive the process; a crash, a timeout or the end of the run rejects them, never approves.
 * An answer counts only if it names the question's one-time nonce (so it was made after the
 * question), is signed with the run's signing key (so the host made it, not whoever can write the
 * bundle) and comes from a person the run's approval rules allow; anything else rejects.
 */
public final class Checkpoints {
    public static final String DIR = dev.agentsandbox.bundle.Layout.CHECKPOINTS;
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FIELD = 4000;
    private static final long POLL_MILLIS = 200;

    /** What the run hears of each question and answer (the audit log, notifications, the console). */
    public interface Listener {
        void asked(JsonNode checkpoint);

        void answered(JsonNode checkpoint);
    }

    private final Path bundle;
    private final Clock clock;
    private final Duration timeout;
    private final Listener listener;
    private final java.security.PublicKey hostKey;
    private final java.util.function.UnaryOperator<String> refusal;
    private final AtomicInteger seq = new AtomicInteger();
    private final java.util.concurrent.Semaphore oneAtATime = new java.util.concurrent.Semaphore(1);
    /** The most checkpoints one run may ask. */
    static final int MAX_PER_RUN = 20;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * @param hostKey the run's signing key: answers are signed with its private half on the host
     * @param refusal why a person (an identity) may not answer, or null when they may (the approval rules)
     */
    public Checkpoints(Path bundle, Clock clock, Duration timeout, Listener listener, java.security.PublicKey hostKey,
                       java.util.function.UnaryOperator<String> refusal) {
        this.bundle = bundle;
        this.clock = clock;
        this.timeout = timeout;
        this.listener = listener;
        this.hostKey = java.util.Objects.requireNonNull(hostKey, "hostKey");
        this.refusal = refusal;
    }

    /** Handles the agent's request; blocks until answered; returns the JSON answer. */
    public byte[] ask(byte[] body) throws IOException {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            return error("the body must be JSON: {\"action\": …, \"risk\": …, \"detail\": …}");
        }
        if (req != null && ToolHook.is(req)) {
            req = ToolHook.question(req);
            if (req == null) {
                ObjectNode out = JSON.createObjectNode();
                out.put("decision", "approved");
                out.put("by", "agent-sandbox");
                out.put("comment", "not a command that needs a person");
                return JSON.writeValueAsBytes(out);
            }
        }
        if (req == null || !req.isObject() || !req.path("action").isTextual() || req.path("action").asText().isBlank()) {
            return error("give at least \"action\" (what the agent is about to do)");
        }
        // each question notifies people: 40 at once, or a loop, is refused here, not relayed
        if (!oneAtATime.tryAcquire()) {
            return error("another checkpoint of this run awaits its answer: ask one at a time");
        }
        try {
            if (seq.get() >= MAX_PER_RUN) {
                return error("this run has asked " + MAX_PER_RUN + " checkpoints already (the most one run may): rejected");
            }
            return askOne("cp-" + seq.incrementAndGet(), req);
        } finally {
            oneAtATime.release();
        }
    }

    private byte[] askOne(String id, JsonNode req) throws IOException {
        ObjectNode cp = JSON.createObjectNode();
        cp.put("id", id);
        cp.put("action", cut(req.path("action").asText()));
        cp.put("risk", cut(req.path("risk").asText("unspecified")));
        cp.put("detail", cut(req.path("detail").asText("")));
        cp.put("askedAt", clock.instant().toString());
        cp.put("nonce", java.util.HexFormat.of().formatHex(RANDOM.generateSeed(16)));
        cp.put("status", "pending");
        Path answer = bundle.resolve(DIR).resolve(id + ".answer.json");
        Files.deleteIfExists(answer); // an answer written before the question is no answer to it
        write(id + ".json", cp);
        listener.asked(cp);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(answer, LinkOption.NOFOLLOW_LINKS)) {
                String why = Files.isRegularFile(answer, LinkOption.NOFOLLOW_LINKS) ? invalid(cp, Files.readAllBytes(answer)) : "not a file";
                JsonNode a = why == null ? JSON.readTree(Files.readAllBytes(answer)) : null;
                cp.put("status", why == null && a.path("decision").asText().equals("approved") ? "approved" : "rejected");
                cp.put("by", why == null ? a.path("by").asText() : "agent-sandbox");
                cp.put("comment", why == null ? cut(a.path("comment").asText("")) : "an answer that does not count was found (" + why + "): rejected");
                cp.put("answeredAt", clock.instant().toString());
                return finish(id, cp);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        cp.put("status", "rejected");
        cp.put("by", "agent-sandbox");
        cp.put("comment", "no answer within " + timeout.toSeconds() + " s (checkpoints.timeout): rejected");
        cp.put("answeredAt", clock.instant().toString());
        return finish(id, cp);
    }

    /** Why an answer does not count, or null when it does. */
    private String invalid(JsonNode cp, byte[] raw) {
        JsonNode a;
        try {
            a = JSON.readTree(raw);
        } catch (IOException e) {
            return "not JSON";
        }
        if (a == null || !a.isObject() || !a.path("signature").isTextual()) {
            return "not signed";
        }
        if (!cp.path("nonce").asText().equals(a.path("nonce").asText())) {
            return "not made for this question";
        }
        try {
            java.security.Signature s = java.security.Signature.getInstance("Ed25519");
            s.initVerify(hostKey);
            s.update(signed(a));
            if (!s.verify(java.util.Base64.getDecoder().decode(a.path("signature").asText()))) {
                return "its signature is not the run's signing key's";
            }
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            return "its signature cannot be checked";
        }
        String who = dev.agentsandbox.identity.Identity.idOrNull(a.path("by").asText(null));
        if (who == null || !who.equals(a.path("by").asText())) {
            return "not answered under a valid identity";
        }
        return refusal == null ? null : refusal.apply(who);
    }

    /** The bytes an answer's signature covers: its fields in a fixed order. */
    private static byte[] signed(JsonNode a) {
        return String.join("\n", "agent-sandbox checkpoint answer v1", a.path("id").asText(), a.path("nonce").asText(),
                a.path("decision").asText(), a.path("by").asText(), a.path("comment").asText(), a.path("time").asText())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] finish(String id, ObjectNode cp) throws IOException {
        write(id + ".json", cp);
        listener.answered(cp);
        ObjectNode out = JSON.createObjectNode();
        out.put("id", id);
        out.put("decision", cp.path("status").asText());
        out.put("by", cp.path("by").asText());
        out.put("comment", cp.path("comment").asText());
        return JSON.writeValueAsBytes(out);
    }

    /** At the end of the run: any checkpoint still pending is rejected. */
    public void rejectPending(String why) throws IOException {
        for (JsonNode cp : list(bundle)) {
            if ("pending".equals(cp.path("status").asText())) {
                ObjectNode c = (ObjectNode) cp;
                c.put("status", "rejected");
                c.put("by", "agent-sandbox");
                c.put("comment", why);
                c.put("answeredAt", clock.instant().toString());
                write(c.path("id").asText() + ".json", c);
                listener.answered(c);
            }
        }
    }

    private void write(String name, JsonNode node) throws IOException {
        BundleSnapshot.write(bundle, DIR + "/" + name, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
    }

    private static String cut(String s) {
        return s.length() > MAX_FIELD ? s.substring(0, MAX_FIELD) + "…" : s;
    }

    private static byte[] error(String message) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("decision", "rejected");
        out.put("error", message);
        return JSON.writeValueAsBytes(out);
    }

    /** Every checkpoint of a bundle, pending or answered, in the order asked. */
    public static List<JsonNode> list(Path bundle) throws IOException {
        Path dir = bundle.resolve(DIR);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("cp-\\d+\\.json")).toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(JSON.readTree(Files.readAllBytes(p)));
                }
            }
        }
        out.sort((a, b) -> Integer.compare(number(a), number(b)));
        return out;
    }

    private static int number(JsonNode cp) {
        try {
            return Integer.parseInt(cp.path("id").asText().substring(3));
        } catch (RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** The host's answer to a pending checkpoint; refused when it is not pending. */
    public static void answer(Path bundle, String id, boolean approve, String by, String comment, Clock clock, java.security.KeyPair key)
            throws IOException {
        if (!id.matches("cp-\\d+")) {
            throw new IOException("'" + id + "' is not a checkpoint id (cp-N, as `checkpoint list` prints)");
        }
        Path file = bundle.resolve(DIR).resolve(id + ".json");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no checkpoint " + id + " in " + bundle);
        }
        JsonNode cp = JSON.readTree(Files.readAllBytes(file));
        if (!"pending".equals(cp.path("status").asText())) {
            throw new IOException("checkpoint " + id + " is " + cp.path("status").asText() + " already");
        }
        Path answer = bundle.resolve(DIR).resolve(id + ".answer.json");
        ObjectNode a = JSON.createObjectNode();
        a.put("id", id);
        a.put("nonce", cp.path("nonce").asText());
        a.put("decision", approve ? "approved" : "rejected");
        a.put("by", by);
        a.put("comment", comment == null ? "" : comment);
        a.put("time", clock.instant().toString());
        try {
            java.security.Signature s = java.security.Signature.getInstance("Ed25519");
            s.initSign(key.getPrivate());
            s.update(signed(a));
            a.put("signature", java.util.Base64.getEncoder().encodeToString(s.sign()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot sign the answer: " + e.getMessage(), e);
        }
        Path tmp = answer.resolveSibling("." + id + ".answer." + ProcessHandle.current().pid() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(a), java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        try {
            // create-or-fail: a second answer never replaces the first
            Files.createLink(answer, tmp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new IOException("checkpoint " + id + " was answered already");
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

}
