package dev.agentsandbox.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The organisation's data classification, kept outside every repository ({@code --org-policy FILE} or
 * {@code AGENT_SANDBOX_ORG_POLICY}): classes, listed from the least to the most restrictive, say which
 * model endpoints a repository's code may be sent to, whether package registries may be reached, and
 * which providers have a data-processing agreement on record; repositories are matched to classes
 * by remote URL or path. A repository's own configuration may raise its class, never lower it.
 */
public final class OrgPolicy {
    /** One class: {@code models} are URL patterns ({@code *} matches anything), {@code dpa} provider names (empty: no check). */
    /** @param registries the registries (host:port patterns) a run may reach; empty: none */
    public record DataClass(String name, int rank, List<String> models, List<String> registries, List<String> dpa) {
    }

    /** A repository's class, and why. */
    public record Assignment(DataClass dataClass, String rule, String policySha256) {
    }

    private final Path file;
    private final String sha256;
    private final Map<String, DataClass> classes;
    private final List<String[]> repositories; // match, class
    private final OrgAllow allow;

    private OrgPolicy(Path file, String sha256, Map<String, DataClass> classes, List<String[]> repositories, OrgAllow allow) {
        this.file = file;
        this.sha256 = sha256;
        this.classes = classes;
        this.repositories = repositories;
        this.allow = allow;
    }

    /** What every run may use (images, tiers, backends, providers); {@link OrgAllow#ANY} without an allow section. */
    public OrgAllow allow() {
        return allow;
    }

    /** Whether the policy classifies repositories (an allow section alone does not). */
    public boolean classifies() {
        return !classes.isEmpty();
    }

    public static OrgPolicy load(Path file) throws UsageException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UsageException("cannot read the organisation policy " + file + ": " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(bytes);
        } catch (IOException e) {
            throw new UsageException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new UsageException(file + ": an organisation policy is a map with classes: and repositories:, or allow:, or both");
        }
        OrgAllow allow = OrgAllow.read(file, root.path("allow"));
        boolean allowOnly = root.path("classes").isMissingNode() && root.path("repositories").isMissingNode() && !root.path("allow").isMissingNode();
        if (!allowOnly && (!root.path("classes").isObject() || root.path("classes").isEmpty())) {
            throw new UsageException(file + ": an organisation policy needs classes: { NAME: { models: [URL patterns], registries: [host:port], dpa: [providers] } }");
        }
        Map<String, DataClass> classes = new LinkedHashMap<>();
        int rank = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("classes").fields(); it.hasNext(); ) {
            var e = it.next();
            List<String> models = new ArrayList<>();
            e.getValue().path("models").forEach(m -> models.add(m.asText()));
            List<String> dpa = new ArrayList<>();
            e.getValue().path("dpa").forEach(m -> dpa.add(m.asText()));
            JsonNode reg = e.getValue().path("registries");
            if (reg.isBoolean() && reg.asBoolean()) {
                // true used to allow whatever registries the repository named: its own proxy.registries, a tunnel to any host
                throw new UsageException(file + ": classes." + e.getKey() + ".registries: true would let a repository reach any host it lists"
                        + " as a registry; list the registries the class allows instead, e.g. registries: [\"registry.example.com:443\"]");
            }
            if (!reg.isMissingNode() && !reg.isNull() && !reg.isBoolean() && !reg.isArray()) {
                throw new UsageException(file + ": classes." + e.getKey() + ".registries must be a list of host:port (or false)");
            }
            List<String> registries = new ArrayList<>();
            reg.forEach(r -> registries.add(r.asText().toLowerCase(java.util.Locale.ROOT)));
            classes.put(e.getKey(), new DataClass(e.getKey(), rank++, models, registries, dpa));
        }
        List<String[]> repos = new ArrayList<>();
        int i = 0;
        for (JsonNode r : root.path("repositories")) {
            String match = r.path("match").asText(null);
            String cls = r.path("class").asText(null);
            if (match == null || cls == null || !classes.containsKey(cls)) {
                throw new UsageException(file + ": repositories[" + i + "] needs match and a class defined under classes (have: "
                        + String.join(", ", classes.keySet()) + ")");
            }
            repos.add(new String[] {match, cls});
            i++;
        }
        try {
            return new OrgPolicy(file, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), classes, repos, allow);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The class of a repository: the first rule whose pattern matches its remote URL or its path, raised
     * (never lowered) by the class its own configuration declares.
     */
    public Assignment classify(String remoteUrl, Path repoPath, String declared) throws UsageException, RefusedException {
        DataClass c = null;
        String rule = null;
        for (int i = 0; i < repositories.size(); i++) {
            String[] r = repositories.get(i);
            if ((remoteUrl != null && glob(r[0], remoteUrl)) || glob(r[0], repoPath.toString())) {
                c = classes.get(r[1]);
                rule = "repositories[" + i + "] (match '" + r[0] + "')";
                break;
            }
        }
        if (declared != null) {
            DataClass d = classes.get(declared);
            if (d == null) {
                throw new UsageException("data-class '" + declared + "' in .agent-sandbox.yml is not a class of the organisation policy "
                        + file + " (" + String.join(", ", classes.keySet()) + ")");
            }
            if (c == null || d.rank() > c.rank()) {
                c = d;
                rule = "the repository's data-class (raised)";
            }
        }
        if (c == null) {
            throw new RefusedException("no rule of the organisation policy " + file + " matches this repository (" + (remoteUrl != null ? remoteUrl
                    : repoPath) + "): add a repositories entry for it (match: \"*\" for a default)");
        }
        return new Assignment(c, rule, sha256);
    }

    /** Refuses a run whose model endpoints, providers or registries the class does not allow. */
    public static void check(Assignment a, ProxyConfig proxy) throws RefusedException {
        DataClass c = a.dataClass();
        for (ProxyConfig.Upstream u : proxy.upstreams()) {
            if (c.models().stream().noneMatch(p -> allowsModel(p, u.url()))) {
                throw new RefusedException("data class '" + c.name() + "' (" + a.rule() + ") does not allow the model endpoint " + u.url()
                        + " (" + u.provider() + "); it allows: " + (c.models().isEmpty() ? "none" : String.join(", ", c.models())));
            }
            if (!c.dpa().isEmpty() && !c.dpa().contains(u.provider())) {
                throw new RefusedException("data class '" + c.name() + "' (" + a.rule() + ") needs a data-processing agreement with the"
                        + " provider, and " + u.provider() + " has none on record (dpa: " + c.dpa() + ")");
            }
        }
        for (String r : proxy.registries()) {
            if (c.registries().stream().noneMatch(p -> allowsRegistry(p, r))) {
                throw new RefusedException("data class '" + c.name() + "' (" + a.rule() + ") does not allow the registry " + r
                        + "; it allows: " + (c.registries().isEmpty() ? "none" : String.join(", ", c.registries())));
            }
        }
    }

    /**
     * A class's model pattern against an upstream's URL, read as a URL: user info is never matched,
     * scheme and host are compared in lower case, and a '*' before the path stands for part of one
     * host label or a port, so "https://api.example.com*" cannot reach "https://api.example.com.evil.test"
     * or "https://api.example.com@evil.test". After the first '/' of the path, '*' matches anything.
     */
    static boolean allowsModel(String pattern, String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            return false;
        }
        if (uri.getScheme() == null || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            return false;
        }
        String origin = uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getHost().toLowerCase(java.util.Locale.ROOT)
                + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        int sep = pattern.indexOf("://");
        int slash = pattern.indexOf('/', sep < 0 ? 0 : sep + 3);
        String originPattern = (slash < 0 ? pattern : pattern.substring(0, slash)).toLowerCase(java.util.Locale.ROOT);
        String pathPattern = slash < 0 ? "" : pattern.substring(slash).replaceAll("/+$", "");
        if (pattern.equals("*")) {
            return true; // every endpoint, said in so many words
        }
        StringBuilder re = new StringBuilder();
        char[] o = originPattern.toCharArray();
        for (int i = 0; i < o.length; i++) {
            char ch = o[i];
            char before = i == 0 ? '/' : o[i - 1];
            if (ch != '*') {
                re.append(Pattern.quote(String.valueOf(ch)));
            } else if (before == ':') {
                re.append("[0-9]+"); // any port
            } else if (i == o.length - 1 && before != '.' && before != '/') {
                re.append("(?::[0-9]+)?"); // "host*": that host on any port, never a longer name (api.example.com* is not api.example.community)
            } else {
                re.append("[a-z0-9-]+"); // part of one host label
            }
        }
        if (!Pattern.compile(re.toString()).matcher(origin).matches()) {
            return false;
        }
        if (pathPattern.isEmpty() || pathPattern.equals("/*")) {
            return slash < 0 ? path.isEmpty() || originPattern.endsWith("*") : true;
        }
        StringBuilder pre = new StringBuilder();
        for (char ch : pathPattern.toCharArray()) {
            pre.append(ch == '*' ? ".*" : Pattern.quote(String.valueOf(ch)));
        }
        return Pattern.compile(pre.toString()).matcher(path).matches();
    }

    /** A registry (host:port, as proxy.registries names it) against a class's pattern: exact, or "*.domain:port" for its subdomains. */
    static boolean allowsRegistry(String pattern, String registry) {
        String p = pattern.toLowerCase(java.util.Locale.ROOT);
        String r = registry.toLowerCase(java.util.Locale.ROOT);
        if (!p.startsWith("*.")) {
            return p.equals(r);
        }
        int pc = p.lastIndexOf(':');
        int rc = r.lastIndexOf(':');
        return pc > 0 && rc > 0 && p.substring(pc).equals(r.substring(rc)) && r.substring(0, rc).endsWith(p.substring(1, pc));
    }

    /** A glob with '*' for any run of characters, matched on the whole text (case-insensitive for URLs' scheme and host). */
    static boolean glob(String pattern, String text) {
        StringBuilder re = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            re.append(ch == '*' ? ".*" : Pattern.quote(String.valueOf(ch)));
        }
        Pattern p = Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
        return p.matcher(text).matches() || p.matcher(text.replaceAll("/+$", "")).matches(); // a trailing slash is no difference
    }

}
