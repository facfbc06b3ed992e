package dev.agentsandbox.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.verdict.Verdict;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Maps the YAML tree onto the configuration records, collecting every error with its place. */
final class ConfigReader {
    private final ConfigValues v;

    ConfigReader(ConfigValues values) {
        this.v = values;
    }

    RunConfig read(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            return RunConfig.DEFAULT;
        }
        if (!v.object(root, "")) {
            return RunConfig.DEFAULT;
        }
        if (root.has("version") && !(root.get("version").isInt() && root.get("version").asInt() == 1)) {
            v.error("/version", "version", "must be 1");
        }
        return new RunConfig(section(root, "agent", this::agent), section(root, "sandbox", this::sandbox),
                section(root, "branch", this::branch), section(root, "policy", this::policy), section(root, "secrets", this::secrets),
                section(root, "dependencies", this::dependencies), checks(root.get("checks")), section(root, "proxy", new ProxyConfigReader(v)::read),
                section(root, "merge", this::merge), section(root, "risk", this::risk), section(root, "approval", this::approval),
                section(root, "checkpoints", this::checkpoints), section(root, "notify", this::notify), v.text(root, "", "data-class"),
                section(root, "audit", this::audit));
    }

    private AuditConfig audit(JsonNode n) {
        JsonNode o = n.get("otlp");
        if (o == null || !v.object(o, "/audit/otlp")) {
            return null;
        }
        String endpoint = v.text(o, "/audit/otlp", "endpoint");
        if (endpoint == null || !endpoint.matches("https?://[^\\s/]+(/\\S*)?")) {
            v.error("/audit/otlp/endpoint", "audit.otlp.endpoint", "must be the collector's http(s) URL, e.g. https://otel.example.com:4318");
            return null;
        }
        return new AuditConfig(endpoint, v.text(o, "/audit/otlp", "headers-env"));
    }

    private NotifyConfig notify(JsonNode n) {
        String p = "/notify";
        List<NotifyConfig.Webhook> hooks = new ArrayList<>();
        JsonNode w = n.get("webhooks");
        if (w != null && w.isArray()) {
            for (int i = 0; i < w.size(); i++) {
                String wp = p + "/webhooks/" + i;
                if (v.object(w.get(i), wp)) {
                    String url = v.text(w.get(i), wp, "url-env");
                    if (url == null) {
                        v.error(wp + "/url-env", ConfigValues.key(wp + "/url-env"), "is required: the NAME of the host variable holding the URL");
                    } else {
                        hooks.add(new NotifyConfig.Webhook(url, v.text(w.get(i), wp, "secret-env")));
                    }
                }
            }
        } else if (w != null && !w.isNull()) {
            v.error(p + "/webhooks", "notify.webhooks", "must be a list of { url-env, secret-env }");
        }
        String slack = null;
        JsonNode s = n.get("slack");
        if (s != null && v.object(s, p + "/slack")) {
            slack = v.text(s, p + "/slack", "webhook-env");
        }
        String teams = null;
        JsonNode t = n.get("teams");
        if (t != null && v.object(t, p + "/teams")) {
            teams = v.text(t, p + "/teams", "webhook-env");
        }
        NotifyConfig.Email email = null;
        JsonNode e = n.get("email");
        if (e != null && v.object(e, p + "/email")) {
            String ep = p + "/email";
            try {
                email = new NotifyConfig.Email(v.text(e, ep, "host-env"), e.has("port") ? v.integer(e, ep, "port") : null, v.text(e, ep, "from"),
                        v.strings(e, ep, "to"), v.text(e, ep, "username-env"), v.text(e, ep, "password-env"), v.text(e, ep, "starttls"));
            } catch (IllegalArgumentException ex) {
                v.error(ep + "/starttls", "notify.email.starttls", ex.getMessage());
            }
            if (email != null && (email.hostEnv() == null || email.from() == null || email.to().isEmpty())) {
                v.error(ep, "notify.email", "needs host-env (the NAME of the variable holding the SMTP host), from and to");
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
            v.error("/sandbox/caches", "sandbox.caches", "must be a list of { host, path }");
            return null;
        }
        List<SandboxConfig.Cache> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String p = "/sandbox/caches/" + i;
            if (v.object(n.get(i), p)) {
                String host = v.text(n.get(i), p, "host");
                String path = v.text(n.get(i), p, "path");
                if (host == null || path == null || !path.startsWith("/") || path.contains("..") || path.contains(":")
                        || path.equals("/workspace") || path.startsWith("/workspace/") || path.startsWith("/run/agent-sandbox")) {
                    v.error(p, ConfigValues.key(p), "needs host (a folder on this machine) and path (an absolute path in the sandbox, not under"
                            + " /workspace or /run/agent-sandbox)");
                } else {
                    out.add(new SandboxConfig.Cache(host, path));
                }
            }
        }
        return out;
    }

    private CheckpointConfig checkpoints(JsonNode n) {
        return new CheckpointConfig(v.bool(n, "/checkpoints", "enabled"), v.duration(n, "/checkpoints", "timeout"));
    }

    private RiskConfig risk(JsonNode n) {
        JsonNode rules = n.get("rules");
        if (rules == null || rules.isNull()) {
            return null;
        }
        if (!rules.isArray()) {
            v.error("/risk/rules", "risk.rules", "must be a list of { tier, paths, content }");
            return null;
        }
        List<RiskConfig.Rule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String p = "/risk/rules/" + i;
            JsonNode r = rules.get(i);
            if (!v.object(r, p)) {
                continue;
            }
            RiskConfig.Tier tier = v.parsed(r, p, "tier", RiskConfig.Tier::parse);
            List<String> content = v.strings(r, p, "content");
            for (String c : content == null ? List.<String>of() : content) {
                try {
                    java.util.regex.Pattern.compile(c);
                } catch (java.util.regex.PatternSyntaxException e) {
                    v.error(p + "/content", ConfigValues.key(p + "/content"), "'" + c + "' is not a regular expression: " + e.getDescription());
                }
            }
            if (tier == null) {
                v.error(p + "/tier", ConfigValues.key(p + "/tier"), "is required: critical, high, medium or low");
            } else {
                out.add(new RiskConfig.Rule(tier, v.globs(r, p, "paths"), content));
            }
        }
        return new RiskConfig(out);
    }

    private ApprovalConfig approval(JsonNode n) {
        java.util.Map<RiskConfig.Tier, ApprovalConfig.Quorum> tiers = new java.util.EnumMap<>(RiskConfig.Tier.class);
        for (RiskConfig.Tier t : RiskConfig.Tier.values()) {
            JsonNode q = n.get(t.id());
            String p = "/approval/" + t.id();
            if (q == null || !v.object(q, p)) {
                continue;
            }
            int approvers = q.has("approvers") ? java.util.Objects.requireNonNullElse(v.integer(q, p, "approvers"), 1)
                    : ApprovalConfig.DEFAULT.of(t).approvers();
            try {
                tiers.put(t, new ApprovalConfig.Quorum(approvers, v.strings(q, p, "allowed"), Boolean.TRUE.equals(v.bool(q, p, "allow-self")),
                        v.duration(q, p, "expiry")));
            } catch (IllegalArgumentException e) {
                v.error(p + "/approvers", ConfigValues.key(p + "/approvers"), e.getMessage());
            }
        }
        return new ApprovalConfig(tiers);
    }

    private <T> T section(JsonNode root, String key, Function<JsonNode, T> f) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!v.object(n, "/" + key)) {
            return null;
        }
        try {
            return f.apply(n);
        } catch (IllegalArgumentException e) {
            v.error("/" + key, key, e.getMessage());
            return null;
        }
    }

    private AgentConfig agent(JsonNode n) {
        String name = null;
        String email = null;
        JsonNode id = n.get("identity");
        if (id != null && v.object(id, "/agent/identity")) {
            name = v.text(id, "/agent/identity", "name");
            email = v.text(id, "/agent/identity", "email");
        }
        return new AgentConfig(v.text(n, "/agent", "image"), v.command(n, "/agent", "command"), name, email);
    }

    private SandboxConfig sandbox(JsonNode n) {
        String p = "/sandbox";
        Tier tier = v.parsed(n, p, "tier", Tier::parse);
        Map<String, String> env = null;
        JsonNode e = n.get("env");
        if (e != null && v.object(e, p + "/env")) {
            env = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getValue().isValueNode()) {
                    v.error(p + "/env/" + f.getKey(), "sandbox.env." + f.getKey(), "must be a string");
                } else {
                    env.put(f.getKey(), f.getValue().asText());
                }
            }
        }
        Double cpus = n.has("cpus") ? v.number(n, p, "cpus") : null;
        Integer pids = n.has("pids") ? v.integer(n, p, "pids") : null;
        return new SandboxConfig(tier, v.text(n, p, "runtime"), cpus, v.size(n, p, "memory"), pids, v.duration(n, p, "timeout"),
                v.size(n, p, "tmpfs"), v.size(n, p, "max-output"), v.parsed(n, p, "disk", SandboxConfig::parseDisk), v.strings(n, p, "env-allow"), env,
                caches(n.get("caches")), v.bool(n, p, "process-log"), v.text(n, p, "backend"), v.text(n, p, "platform"));
    }

    private BranchConfig branch(JsonNode n) {
        return new BranchConfig(v.text(n, "/branch", "base"), v.text(n, "/branch", "pattern"));
    }

    private PolicyConfig policy(JsonNode n) {
        String p = "/policy";
        return new PolicyConfig(v.globs(n, p, "protected-paths"), n.has("max-files") ? v.integer(n, p, "max-files") : null,
                n.has("max-lines") ? v.integer(n, p, "max-lines") : null, v.bool(n, p, "allow-binary"), v.bool(n, p, "allow-mode-changes"),
                v.size(n, p, "max-file-size"), v.size(n, p, "max-change-size"), v.globs(n, p, "allow-bidi-paths"), processes(n.get("processes")));
    }

    private PolicyConfig.ProcessPolicy processes(JsonNode n) {
        String p = "/policy/processes";
        if (n == null || !v.object(n, p)) {
            return null;
        }
        String enforce = v.text(n, p, "enforce");
        if (enforce != null && !enforce.equals("report") && !enforce.equals("stop")) {
            v.error(p + "/enforce", "policy.processes.enforce", "must be report (the run fails) or stop (the sandbox ends at once)");
        }
        return new PolicyConfig.ProcessPolicy(v.strings(n, p, "allow"), v.strings(n, p, "deny"), "stop".equals(enforce));
    }

    private SecretsConfig secrets(JsonNode n) {
        String p = "/secrets";
        return new SecretsConfig(v.bool(n, p, "enabled"), v.globs(n, p, "allow-paths"), v.strings(n, p, "disabled-rules"),
                v.strings(n, p, "allow-fingerprints"));
    }

    private DependencyConfig dependencies(JsonNode n) {
        String p = "/dependencies";
        Function<String, Verdict> verdict = s -> {
            try {
                return Verdict.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + s + "' is not a verdict (use pass, warn or fail)");
            }
        };
        AdvisoryConfig adv = null;
        JsonNode a = n.get("advisories");
        if (a != null && v.object(a, p + "/advisories")) {
            String ap = p + "/advisories";
            try {
                adv = new AdvisoryConfig(v.bool(a, ap, "enabled"), v.text(a, ap, "url"), v.text(a, ap, "database"), v.text(a, ap, "fail-at"),
                        v.parsed(a, ap, "unavailable", verdict));
            } catch (IllegalArgumentException e) {
                v.error(ap + "/fail-at", "dependencies.advisories.fail-at", e.getMessage());
            }
        }
        return new DependencyConfig(v.bool(n, p, "enabled"), v.parsed(n, p, "added", verdict), v.parsed(n, p, "changed", verdict),
                v.parsed(n, p, "removed", verdict), v.parsed(n, p, "registry-change", verdict), v.strings(n, p, "denied"), adv);
    }

    private List<CheckConfig> checks(JsonNode n) {
        if (n == null || n.isNull() || !v.object(n, "/checks")) {
            return null;
        }
        List<CheckConfig> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            String p = "/checks/" + f.getKey();
            if (!f.getKey().matches("[a-z][a-z0-9-]{0,31}")) {
                v.error(p, "checks." + f.getKey(), "a check name must be lower-case letters, digits and dashes");
                continue;
            }
            JsonNode c = f.getValue();
            if (!v.object(c, p)) {
                continue;
            }
            List<String> command = v.command(c, p, "command");
            if (command == null || command.isEmpty()) {
                v.error(p, "checks." + f.getKey(), "needs a command");
                continue;
            }
            out.add(new CheckConfig(f.getKey(), command, v.text(c, p, "image"), v.duration(c, p, "timeout"), v.text(c, p, "junit"),
                    Boolean.TRUE.equals(v.bool(c, p, "registries")), new ServiceConfigReader(v).read(c, p, f.getKey())));
        }
        return out;
    }

    private MergeConfig merge(JsonNode n) {
        String p = "/merge";
        return new MergeConfig(v.parsed(n, p, "strategy", MergeConfig.Strategy::parse), v.text(n, p, "remote"), v.bool(n, p, "allow-override"));
    }

    // --- scalar helpers -----------------------------------------------------------------------

}
