package dev.agentsandbox.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.ConfigException;
import dev.agentsandbox.verdict.Verdict;
import dev.agentsandbox.sandbox.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Maps the YAML tree onto the configuration records, collecting every error with its place. */
final class ConfigReader {
    private record Problem(int line, int column, String text) {
    }

    private final String source;
    private final Map<String, JsonLocation> locations;
    private final List<Problem> problems = new ArrayList<>();

    ConfigReader(String source, Map<String, JsonLocation> locations) {
        this.source = source;
        this.locations = locations;
    }

    RunConfig read(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            return RunConfig.DEFAULT;
        }
        if (!object(root, "")) {
            return RunConfig.DEFAULT;
        }
        keys(root, "", Set.of("version", "agent", "sandbox", "branch", "policy", "secrets", "dependencies", "checks", "proxy", "merge",
                "risk", "approval", "checkpoints", "notify", "data-class", "audit"));
        if (root.has("version") && !(root.get("version").isInt() && root.get("version").asInt() == 1)) {
            error("/version", "version", "must be 1");
        }
        return new RunConfig(section(root, "agent", this::agent), section(root, "sandbox", this::sandbox),
                section(root, "branch", this::branch), section(root, "policy", this::policy), section(root, "secrets", this::secrets),
                section(root, "dependencies", this::dependencies), checks(root.get("checks")), section(root, "proxy", this::proxy),
                section(root, "merge", this::merge), section(root, "risk", this::risk), section(root, "approval", this::approval),
                section(root, "checkpoints", this::checkpoints), section(root, "notify", this::notify), text(root, "", "data-class"),
                section(root, "audit", this::audit));
    }

    private AuditConfig audit(JsonNode n) {
        keys(n, "/audit", Set.of("otlp"));
        JsonNode o = n.get("otlp");
        if (o == null || !object(o, "/audit/otlp")) {
            return null;
        }
        keys(o, "/audit/otlp", Set.of("endpoint", "headers-env"));
        String endpoint = text(o, "/audit/otlp", "endpoint");
        if (endpoint == null || !endpoint.matches("https?://[^\\s/]+(/\\S*)?")) {
            error("/audit/otlp/endpoint", "audit.otlp.endpoint", "must be the collector's http(s) URL, e.g. https://otel.example.com:4318");
            return null;
        }
        return new AuditConfig(endpoint, text(o, "/audit/otlp", "headers-env"));
    }

    private NotifyConfig notify(JsonNode n) {
        String p = "/notify";
        keys(n, p, Set.of("webhooks", "slack", "teams", "email"));
        List<NotifyConfig.Webhook> hooks = new ArrayList<>();
        JsonNode w = n.get("webhooks");
        if (w != null && w.isArray()) {
            for (int i = 0; i < w.size(); i++) {
                String wp = p + "/webhooks/" + i;
                if (object(w.get(i), wp)) {
                    keys(w.get(i), wp, Set.of("url-env", "secret-env"));
                    String url = text(w.get(i), wp, "url-env");
                    if (url == null) {
                        error(wp + "/url-env", key(wp + "/url-env"), "is required: the NAME of the host variable holding the URL");
                    } else {
                        hooks.add(new NotifyConfig.Webhook(url, text(w.get(i), wp, "secret-env")));
                    }
                }
            }
        } else if (w != null && !w.isNull()) {
            error(p + "/webhooks", "notify.webhooks", "must be a list of { url-env, secret-env }");
        }
        String slack = null;
        JsonNode s = n.get("slack");
        if (s != null && object(s, p + "/slack")) {
            keys(s, p + "/slack", Set.of("webhook-env"));
            slack = text(s, p + "/slack", "webhook-env");
        }
        String teams = null;
        JsonNode t = n.get("teams");
        if (t != null && object(t, p + "/teams")) {
            keys(t, p + "/teams", Set.of("webhook-env"));
            teams = text(t, p + "/teams", "webhook-env");
        }
        NotifyConfig.Email email = null;
        JsonNode e = n.get("email");
        if (e != null && object(e, p + "/email")) {
            String ep = p + "/email";
            keys(e, ep, Set.of("host-env", "port", "from", "to", "username-env", "password-env", "starttls"));
            try {
                email = new NotifyConfig.Email(text(e, ep, "host-env"), e.has("port") ? integer(e, ep, "port") : null, text(e, ep, "from"),
                        strings(e, ep, "to"), text(e, ep, "username-env"), text(e, ep, "password-env"), text(e, ep, "starttls"));
            } catch (IllegalArgumentException ex) {
                error(ep + "/starttls", "notify.email.starttls", ex.getMessage());
            }
            if (email != null && (email.hostEnv() == null || email.from() == null || email.to().isEmpty())) {
                error(ep, "notify.email", "needs host-env (the NAME of the variable holding the SMTP host), from and to");
                email = null;
            }
        }
        return new NotifyConfig(hooks, slack, teams, email);
    }

    private List<SandboxConfig.Cache> caches(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            error("/sandbox/caches", "sandbox.caches", "must be a list of { host, path }");
            return null;
        }
        List<SandboxConfig.Cache> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String p = "/sandbox/caches/" + i;
            if (object(n.get(i), p)) {
                keys(n.get(i), p, Set.of("host", "path"));
                String host = text(n.get(i), p, "host");
                String path = text(n.get(i), p, "path");
                if (host == null || path == null || !path.startsWith("/") || path.contains("..") || path.contains(":")
                        || path.equals("/workspace") || path.startsWith("/workspace/") || path.startsWith("/run/agent-sandbox")) {
                    error(p, key(p), "needs host (a folder on this machine) and path (an absolute path in the sandbox, not under"
                            + " /workspace or /run/agent-sandbox)");
                } else {
                    out.add(new SandboxConfig.Cache(host, path));
                }
            }
        }
        return out;
    }

    private CheckpointConfig checkpoints(JsonNode n) {
        keys(n, "/checkpoints", Set.of("enabled", "timeout"));
        return new CheckpointConfig(bool(n, "/checkpoints", "enabled"), duration(n, "/checkpoints", "timeout"));
    }

    private RiskConfig risk(JsonNode n) {
        keys(n, "/risk", Set.of("rules"));
        JsonNode rules = n.get("rules");
        if (rules == null || rules.isNull()) {
            return null;
        }
        if (!rules.isArray()) {
            error("/risk/rules", "risk.rules", "must be a list of { tier, paths, content }");
            return null;
        }
        List<RiskConfig.Rule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String p = "/risk/rules/" + i;
            JsonNode r = rules.get(i);
            if (!object(r, p)) {
                continue;
            }
            keys(r, p, Set.of("tier", "paths", "content"));
            RiskConfig.Tier tier = parsed(r, p, "tier", RiskConfig.Tier::parse);
            List<String> content = strings(r, p, "content");
            for (String c : content == null ? List.<String>of() : content) {
                try {
                    java.util.regex.Pattern.compile(c);
                } catch (java.util.regex.PatternSyntaxException e) {
                    error(p + "/content", key(p + "/content"), "'" + c + "' is not a regular expression: " + e.getDescription());
                }
            }
            if (tier == null) {
                error(p + "/tier", key(p + "/tier"), "is required: critical, high, medium or low");
            } else {
                out.add(new RiskConfig.Rule(tier, globs(r, p, "paths"), content));
            }
        }
        return new RiskConfig(out);
    }

    private ApprovalConfig approval(JsonNode n) {
        keys(n, "/approval", Set.of("critical", "high", "medium", "low"));
        java.util.Map<RiskConfig.Tier, ApprovalConfig.Quorum> tiers = new java.util.EnumMap<>(RiskConfig.Tier.class);
        for (RiskConfig.Tier t : RiskConfig.Tier.values()) {
            JsonNode q = n.get(t.id());
            String p = "/approval/" + t.id();
            if (q == null || !object(q, p)) {
                continue;
            }
            keys(q, p, Set.of("approvers", "allowed", "allow-self", "expiry"));
            int approvers = q.has("approvers") ? java.util.Objects.requireNonNullElse(integer(q, p, "approvers"), 1)
                    : ApprovalConfig.DEFAULT.of(t).approvers();
            try {
                tiers.put(t, new ApprovalConfig.Quorum(approvers, strings(q, p, "allowed"), Boolean.TRUE.equals(bool(q, p, "allow-self")),
                        duration(q, p, "expiry")));
            } catch (IllegalArgumentException e) {
                error(p + "/approvers", key(p + "/approvers"), e.getMessage());
            }
        }
        return new ApprovalConfig(tiers);
    }

    void throwIfErrors() throws ConfigException {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder(problems.size() == 1 ? "" : problems.size() + " problems in " + source + ":\n");
        problems.stream().sorted(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column)).forEach(p ->
                sb.append(source).append(':').append(p.line()).append(':').append(p.column()).append(": ").append(p.text()).append('\n'));
        throw new ConfigException(sb.toString().strip());
    }

    private <T> T section(JsonNode root, String key, Function<JsonNode, T> f) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!object(n, "/" + key)) {
            return null;
        }
        try {
            return f.apply(n);
        } catch (IllegalArgumentException e) {
            error("/" + key, key, e.getMessage());
            return null;
        }
    }

    private AgentConfig agent(JsonNode n) {
        keys(n, "/agent", Set.of("image", "command", "identity"));
        String name = null;
        String email = null;
        JsonNode id = n.get("identity");
        if (id != null && object(id, "/agent/identity")) {
            keys(id, "/agent/identity", Set.of("name", "email"));
            name = text(id, "/agent/identity", "name");
            email = text(id, "/agent/identity", "email");
        }
        return new AgentConfig(text(n, "/agent", "image"), command(n, "/agent", "command"), name, email);
    }

    private SandboxConfig sandbox(JsonNode n) {
        String p = "/sandbox";
        keys(n, p, Set.of("tier", "runtime", "cpus", "memory", "pids", "timeout", "tmpfs", "max-output", "disk", "env-allow", "env", "caches",
                "process-log"));
        Tier tier = parsed(n, p, "tier", Tier::parse);
        Map<String, String> env = null;
        JsonNode e = n.get("env");
        if (e != null && object(e, p + "/env")) {
            env = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getValue().isValueNode()) {
                    error(p + "/env/" + f.getKey(), "sandbox.env." + f.getKey(), "must be a string");
                } else {
                    env.put(f.getKey(), f.getValue().asText());
                }
            }
        }
        Double cpus = n.has("cpus") ? number(n, p, "cpus") : null;
        Integer pids = n.has("pids") ? integer(n, p, "pids") : null;
        return new SandboxConfig(tier, text(n, p, "runtime"), cpus, size(n, p, "memory"), pids, duration(n, p, "timeout"),
                size(n, p, "tmpfs"), size(n, p, "max-output"), parsed(n, p, "disk", SandboxConfig::parseDisk), strings(n, p, "env-allow"), env,
                caches(n.get("caches")), bool(n, p, "process-log"));
    }

    private BranchConfig branch(JsonNode n) {
        keys(n, "/branch", Set.of("base", "pattern"));
        return new BranchConfig(text(n, "/branch", "base"), text(n, "/branch", "pattern"));
    }

    private PolicyConfig policy(JsonNode n) {
        String p = "/policy";
        keys(n, p, Set.of("protected-paths", "max-files", "max-lines", "allow-binary", "allow-mode-changes", "max-file-size",
                "max-change-size", "allow-bidi-paths", "processes"));
        return new PolicyConfig(globs(n, p, "protected-paths"), n.has("max-files") ? integer(n, p, "max-files") : null,
                n.has("max-lines") ? integer(n, p, "max-lines") : null, bool(n, p, "allow-binary"), bool(n, p, "allow-mode-changes"),
                size(n, p, "max-file-size"), size(n, p, "max-change-size"), globs(n, p, "allow-bidi-paths"), processes(n.get("processes")));
    }

    private PolicyConfig.ProcessPolicy processes(JsonNode n) {
        String p = "/policy/processes";
        if (n == null || !object(n, p)) {
            return null;
        }
        keys(n, p, Set.of("allow", "deny", "enforce"));
        String enforce = text(n, p, "enforce");
        if (enforce != null && !enforce.equals("report") && !enforce.equals("stop")) {
            error(p + "/enforce", "policy.processes.enforce", "must be report (the run fails) or stop (the sandbox ends at once)");
        }
        return new PolicyConfig.ProcessPolicy(strings(n, p, "allow"), strings(n, p, "deny"), "stop".equals(enforce));
    }

    private SecretsConfig secrets(JsonNode n) {
        String p = "/secrets";
        keys(n, p, Set.of("enabled", "allow-paths", "disabled-rules", "allow-fingerprints"));
        return new SecretsConfig(bool(n, p, "enabled"), globs(n, p, "allow-paths"), strings(n, p, "disabled-rules"),
                strings(n, p, "allow-fingerprints"));
    }

    private DependencyConfig dependencies(JsonNode n) {
        String p = "/dependencies";
        keys(n, p, Set.of("enabled", "added", "changed", "removed", "registry-change", "denied", "advisories"));
        Function<String, Verdict> v = s -> {
            try {
                return Verdict.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + s + "' is not a verdict (use pass, warn or fail)");
            }
        };
        AdvisoryConfig adv = null;
        JsonNode a = n.get("advisories");
        if (a != null && object(a, p + "/advisories")) {
            String ap = p + "/advisories";
            keys(a, ap, Set.of("enabled", "url", "database", "fail-at", "unavailable"));
            try {
                adv = new AdvisoryConfig(bool(a, ap, "enabled"), text(a, ap, "url"), text(a, ap, "database"), text(a, ap, "fail-at"),
                        parsed(a, ap, "unavailable", v));
            } catch (IllegalArgumentException e) {
                error(ap + "/fail-at", "dependencies.advisories.fail-at", e.getMessage());
            }
        }
        return new DependencyConfig(bool(n, p, "enabled"), parsed(n, p, "added", v), parsed(n, p, "changed", v),
                parsed(n, p, "removed", v), parsed(n, p, "registry-change", v), strings(n, p, "denied"), adv);
    }

    private List<CheckConfig> checks(JsonNode n) {
        if (n == null || n.isNull() || !object(n, "/checks")) {
            return null;
        }
        List<CheckConfig> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            String p = "/checks/" + f.getKey();
            if (!f.getKey().matches("[a-z][a-z0-9-]{0,31}")) {
                error(p, "checks." + f.getKey(), "a check name must be lower-case letters, digits and dashes");
                continue;
            }
            JsonNode c = f.getValue();
            if (!object(c, p)) {
                continue;
            }
            keys(c, p, Set.of("command", "image", "timeout", "junit"));
            List<String> command = command(c, p, "command");
            if (command == null || command.isEmpty()) {
                error(p, "checks." + f.getKey(), "needs a command");
                continue;
            }
            out.add(new CheckConfig(f.getKey(), command, text(c, p, "image"), duration(c, p, "timeout"), text(c, p, "junit")));
        }
        return out;
    }

    private ProxyConfig proxy(JsonNode n) {
        String p = "/proxy";
        keys(n, p, Set.of("upstreams", "registries", "max-requests", "max-request-size", "token-budget", "record-bodies", "spend"));
        List<ProxyConfig.Upstream> ups = new ArrayList<>();
        JsonNode u = n.get("upstreams");
        if (u != null && !u.isArray()) {
            error(p + "/upstreams", "proxy.upstreams", "must be a list");
        } else if (u != null) {
            for (int i = 0; i < u.size(); i++) {
                String q = p + "/upstreams/" + i;
                JsonNode x = u.get(i);
                if (!object(x, q)) {
                    continue;
                }
                keys(x, q, Set.of("provider", "url", "path-prefixes", "methods", "key-env", "key-file"));
                String provider = text(x, q, "provider");
                String url = text(x, q, "url");
                if (provider == null || url == null) {
                    error(q, "proxy.upstreams[" + i + "]", "needs provider and url");
                    continue;
                }
                ups.add(new ProxyConfig.Upstream(provider, url, strings(x, q, "path-prefixes"), strings(x, q, "methods"),
                        text(x, q, "key-env"), text(x, q, "key-file")));
            }
        }
        return new ProxyConfig(ups, strings(n, p, "registries"), n.has("max-requests") ? integer(n, p, "max-requests") : null,
                size(n, p, "max-request-size"), n.has("token-budget") ? (long) integer(n, p, "token-budget") : null, bool(n, p, "record-bodies"),
                spend(n.get("spend")));
    }

    private ProxyConfig.Spend spend(JsonNode n) {
        String p = "/proxy/spend";
        if (n == null || !object(n, p)) {
            return null;
        }
        keys(n, p, Set.of("cap", "currency", "prices"));
        java.math.BigDecimal cap = amount(n.get("cap"), p + "/cap", "proxy.spend.cap");
        java.util.Map<String, ProxyConfig.Price> prices = new LinkedHashMap<>();
        JsonNode t = n.get("prices");
        if (t != null && object(t, p + "/prices")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                var f = it.next();
                String q = p + "/prices/" + f.getKey();
                if (!object(f.getValue(), q)) {
                    continue;
                }
                keys(f.getValue(), q, Set.of("input", "output"));
                java.math.BigDecimal in = amount(f.getValue().get("input"), q + "/input", "proxy.spend.prices." + f.getKey() + ".input");
                java.math.BigDecimal outp = amount(f.getValue().get("output"), q + "/output", "proxy.spend.prices." + f.getKey() + ".output");
                if (in != null && outp != null) {
                    prices.put(f.getKey(), new ProxyConfig.Price(in, outp));
                }
            }
        }
        if (cap == null) {
            return null;
        }
        if (prices.isEmpty()) {
            error(p + "/prices", "proxy.spend.prices", "a spend cap needs prices per model (per million input and output tokens; \"*\" for any other)");
            return null;
        }
        return new ProxyConfig.Spend(cap, text(n, p, "currency"), prices);
    }

    private java.math.BigDecimal amount(JsonNode v, String path, String name) {
        if (v == null || !v.isNumber() && !(v.isTextual() && v.asText().strip().matches("\\d+(\\.\\d+)?"))) {
            error(path, name, "must be an amount (a number, e.g. 5 or 2.50)");
            return null;
        }
        java.math.BigDecimal d = new java.math.BigDecimal(v.asText().strip());
        if (d.signum() < 0) {
            error(path, name, "must not be negative");
            return null;
        }
        return d;
    }

    private MergeConfig merge(JsonNode n) {
        String p = "/merge";
        keys(n, p, Set.of("strategy", "remote", "allow-override"));
        return new MergeConfig(parsed(n, p, "strategy", MergeConfig.Strategy::parse), text(n, p, "remote"), bool(n, p, "allow-override"));
    }

    // --- scalar helpers -----------------------------------------------------------------------

    private boolean object(JsonNode n, String path) {
        if (!n.isObject()) {
            error(path, key(path), "must be a mapping of keys to values");
            return false;
        }
        return true;
    }

    private void keys(JsonNode n, String path, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String hint = allowed.stream().min(Comparator.comparingInt(a -> distance(a, k)))
                        .filter(a -> distance(a, k) <= 2).map(a -> " (did you mean '" + a + "'?)").orElse(" (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                error(path + "/" + k, key(path + "/" + k), "unknown key '" + k + "'" + hint);
            }
        }
    }

    private String text(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            error(path + "/" + key, key(path + "/" + key), "must be a string");
            return null;
        }
        return v.asText();
    }

    /** A list of path globs (git's ignore-rule syntax), each checked. */
    private List<String> globs(JsonNode n, String path, String key) {
        List<String> out = strings(n, path, key);
        for (int i = 0; out != null && i < out.size(); i++) {
            try {
                dev.agentsandbox.change.PathGlob.of(out.get(i));
            } catch (IllegalArgumentException e) {
                error(path + "/" + key + "/" + i, key(path + "/" + key), e.getMessage());
            }
        }
        return out;
    }

    private Boolean bool(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            error(path + "/" + key, key(path + "/" + key), "'" + v.asText() + "' is not true or false");
            return null;
        }
        return v.booleanValue();
    }

    private Integer integer(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) {
            error(path + "/" + key, key(path + "/" + key), "'" + v.asText() + "' is not a whole number >= 0");
            return null;
        }
        return v.intValue();
    }

    private Double number(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (!v.isNumber() || v.asDouble() <= 0) {
            error(path + "/" + key, key(path + "/" + key), "'" + v.asText() + "' is not a number > 0");
            return null;
        }
        return v.doubleValue();
    }

    private Long size(JsonNode n, String path, String key) {
        return parsed(n, path, key, Sizes::parse);
    }

    private Duration duration(JsonNode n, String path, String key) {
        return parsed(n, path, key, Durations::parse);
    }

    private <T> T parsed(JsonNode n, String path, String key, Function<String, T> f) {
        String s = text(n, path, key);
        if (s == null) {
            return null;
        }
        try {
            return f.apply(s);
        } catch (IllegalArgumentException e) {
            error(path + "/" + key, key(path + "/" + key), e.getMessage());
            return null;
        }
    }

    private List<String> strings(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            error(path + "/" + key, key(path + "/" + key), "must be a list of strings");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isValueNode() || v.get(i).isNull()) {
                error(path + "/" + key + "/" + i, key(path + "/" + key) + "[" + i + "]", "must be a string");
            } else {
                out.add(v.get(i).asText());
            }
        }
        return out;
    }

    /** A command is a list (argv) or a string (run with sh -c). */
    private List<String> command(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return List.of("sh", "-c", v.asText());
        }
        return strings(n, path, key);
    }

    private void error(String path, String key, String text) {
        JsonLocation loc = locations.get(path);
        String parent = path;
        while (loc == null && parent.contains("/")) {
            parent = parent.substring(0, parent.lastIndexOf('/'));
            loc = locations.get(parent);
        }
        int line = loc == null ? 1 : loc.getLineNr();
        int col = loc == null ? 1 : loc.getColumnNr();
        problems.add(new Problem(line, col, (key.isEmpty() ? "" : key + ": ") + text));
    }

    private static String key(String path) {
        return path.replaceFirst("^/", "").replace('/', '.');
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
