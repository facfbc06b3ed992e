package dev.agentsandbox.proxy;

import dev.agentsandbox.config.ProxyConfig;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What may leave the sandbox through the proxy, and the run's limits on it: allow-listed
 * upstreams (provider, method, whole path segments), registries by exact host:port, request
 * count, token budget and spend cap. Each refusal names its rule; a request that could not be
 * counted is refused, never let through.
 */
final class EgressPolicy {
    /** Endpoints that spend tokens but whose answers carry no usage the proxy can count (batches run later, elsewhere). */
    static final java.util.List<String> UNMETERED = java.util.List.of("/v1/messages/batches", "/v1/batches", "/v1beta/batches");
    /** Gemini's model methods that run later as a batch or an operation, reporting no usage: never forwarded. */
    static final java.util.Set<String> UNMETERED_METHODS = java.util.Set.of("batchGenerateContent", "asyncBatchEmbedContent",
            "predictLongRunning");
    /** Why a request is refused: its HTTP status, the rule and a message for the agent (and the audit log). */
    record Refusal(int status, String rule, String message) {
    }

    private final ProxyConfig config;
    private final Map<String, ProviderAuth.Upstream> upstreams;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicBoolean overBudget = new AtomicBoolean();
    private final AtomicBoolean overSpend = new AtomicBoolean();
    private BigDecimal spent = BigDecimal.ZERO;

    EgressPolicy(ProxyConfig config, Map<String, ProviderAuth.Upstream> upstreams) {
        this.config = config;
        this.upstreams = upstreams;
    }

    /** A CONNECT to {@code target} (host:port, lower case), or why not; counts it as a request. */
    Refusal connect(String target) {
        if (config.registries().stream().noneMatch(r -> r.toLowerCase(Locale.ROOT).equals(target))) {
            return new Refusal(403, "registry", "CONNECT to " + target + " is not allowed (proxy.registries allows: "
                    + (config.registries().isEmpty() ? "none" : String.join(", ", config.registries())) + ")");
        }
        return count();
    }

    /** A request to an upstream, or why not; counts it as a request when it may go. */
    Refusal forward(ProxyRequest req, Target target, String model) {
        String provider = target.provider();
        String rest = target.rest();
        ProviderAuth.Upstream up = upstreams.get(provider);
        if (up == null) {
            return new Refusal(403, "unknown-upstream", "no upstream '" + provider + "' is configured (proxy.upstreams allows: "
                    + String.join(", ", upstreams.keySet()) + ")");
        }
        ProxyConfig.Upstream u = up.config();
        if (req.headers().containsKey("upgrade")) {
            // The proxy relays HTTP only (every response is metered and scrubbed). 426 is the answer clients
            // such as Codex take as "use plain HTTP" at once; a 403 makes them retry the upgrade for seconds.
            return new Refusal(426, "upgrade", "the agent-sandbox proxy does not relay " + req.headers().get("upgrade")
                    + " upgrades; send the request over plain HTTP");
        }
        if (u.azure() != null || provider.equals("azure")) {
            // Azure OpenAI, with an Entra token or an api-key: the same paths and bodies
            Refusal no = CloudRequests.azure(target);
            if (no == null) {
                no = CloudRequests.azureBody(req.body());
            }
            if (no != null) {
                return no;
            }
        }
        if (u.gcp() != null) {
            Refusal no = CloudRequests.vertex(target);
            if (no != null) {
                return no;
            }
        }
        if (u.aws() != null) {
            Refusal no = CloudRequests.bedrock(target, u.aws().region());
            if (no != null) {
                return no;
            }
        }
        if (!u.methods().contains(req.method())) {
            return new Refusal(403, "method", "method " + req.method() + " is not allowed for " + provider + " (allowed: " + u.methods() + ")");
        }
        // Whole segments: /v1/messages allows /v1/messages/count_tokens, never /v1/messages_other.
        if (!u.pathPrefixes().isEmpty() && u.pathPrefixes().stream().map(Target::prefixSegments)
                .noneMatch(p -> p != null && target.restStartsWith(p))) {
            return new Refusal(403, "path", "path " + rest + " is not allowed for " + provider + " (allowed: " + u.pathPrefixes() + ")");
        }
        String encoding = req.headers().getOrDefault("content-encoding", "identity").strip();
        if (!encoding.equalsIgnoreCase("identity")) {
            return new Refusal(415, "server-side", "a request body with content-encoding " + encoding + " cannot be checked: send it uncompressed");
        }
        Refusal fetched = ServerSide.refusal(ServerSide.Api.of(target, u), req.body(), model, !u.pathPrefixes().isEmpty());
        if (fetched != null) {
            return fetched;
        }
        for (String spends : UNMETERED) {
            java.util.List<String> seg = Target.prefixSegments(spends);
            boolean named = u.pathPrefixes().stream().map(Target::prefixSegments)
                    .anyMatch(p -> p != null && p.size() >= seg.size() && p.subList(0, seg.size()).equals(seg));
            if (target.restStartsWith(seg) && !named) {
                return new Refusal(403, "unmetered", "path " + rest + " spends tokens without reporting them to the proxy (" + spends
                        + "), so budgets and the spend cap could not hold: it is refused unless proxy.upstreams names " + spends + " itself");
            }
        }
        String last = target.segments().isEmpty() ? "" : target.segments().get(target.segments().size() - 1);
        if (last.contains(":") && UNMETERED_METHODS.contains(last.substring(last.lastIndexOf(':') + 1))) {
            return new Refusal(403, "unmetered", "path " + rest + " starts work that spends tokens without reporting them to the proxy,"
                    + " so budgets and the spend cap could not hold: it is refused");
        }
        if (overBudget.get()) {
            return new Refusal(429, "token-budget", "the run used its token budget of " + config.tokenBudget());
        }
        if (overSpend.get()) {
            return new Refusal(429, "spend-cap", "the run spent its cap of " + config.spend().cap() + " " + config.spend().currency());
        }
        if (config.spend() != null && config.spend().price(model) == null) {
            // Without a price the cap cannot be kept: refused, never let through uncounted.
            return new Refusal(403, "no-price", "model " + model + " has no price in proxy.spend.prices (add it, or a \"*\" row),"
                    + " so the spend cap cannot be kept");
        }
        return count();
    }

    private Refusal count() {
        if (requests.incrementAndGet() > config.maxRequests()) {
            return new Refusal(429, "max-requests", "the run made its " + config.maxRequests() + " requests (proxy.max-requests)");
        }
        return null;
    }

    ProviderAuth.Upstream upstream(String provider) {
        return upstreams.get(provider);
    }

    /**
     * Counts a response's usage (before its last chunk reaches the agent: a client that sends its
     * next request at once finds the budget already spent); the reasons to stop the run, or none.
     */
    java.util.List<String> account(String model, UsageMeter meter) {
        java.util.List<String> stop = new java.util.ArrayList<>();
        long used = tokens.addAndGet(meter.input() + meter.output());
        // A body too large to read its usage from is not let through uncounted: with a budget, it ends the run.
        boolean unknown = config.tokenBudget() > 0 && meter.truncated();
        if (config.tokenBudget() > 0 && (used > config.tokenBudget() || unknown) && overBudget.compareAndSet(false, true)) {
            stop.add(unknown ? "a response was too large to read its token usage from (over 1 MB of JSON), so the"
                    + " budget of " + config.tokenBudget() + " tokens cannot be kept (proxy.token-budget)"
                    : "the run used " + used + " tokens, over its budget of " + config.tokenBudget() + " (proxy.token-budget)");
        }
        String spend = spend(model, meter);
        if (spend != null) {
            stop.add(spend);
        }
        return stop;
    }

    /** Adds a request's cost to the run's spend; the reason to stop when it reached the cap (once), else null. */
    private String spend(String model, UsageMeter meter) {
        ProxyConfig.Spend s = config.spend();
        if (s == null) {
            return null;
        }
        BigDecimal total;
        synchronized (this) {
            total = spent = spent.add(s.cost(s.price(model), meter.input(), meter.output()));
        }
        boolean unknown = meter.truncated();
        if ((total.compareTo(s.cap()) >= 0 || unknown) && overSpend.compareAndSet(false, true)) {
            return unknown ? "a response was too large to read its usage from, so the spend cap of " + s.cap() + " " + s.currency()
                    + " cannot be kept (proxy.spend)" : "the run spent " + total.stripTrailingZeros().toPlainString() + " " + s.currency()
                    + ", reaching its cap of " + s.cap().toPlainString() + " " + s.currency() + " (proxy.spend)";
        }
        return null;
    }

    synchronized BigDecimal spent() {
        return spent;
    }

    long requests() {
        return requests.get();
    }

    long tokens() {
        return tokens.get();
    }
}
