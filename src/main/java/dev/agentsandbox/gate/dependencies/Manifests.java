package dev.agentsandbox.gate.dependencies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Readers of the manifests and lockfiles the dependency gate understands. Every input is
 * untrusted (the agent may have written it): XML takes no DTD or external entity, and a file
 * that cannot be parsed is reported, never a crash.
 */
final class Manifests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REQ = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9._-]*)(\\[[^]]*])?\\s*(?:(===|==|~=|!=|<=|>=|<|>)\\s*([^;,\\s]+))?.*$");
    private static final Pattern REQ_URL = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9._-]*)\\s*@\\s*(\\S+).*$");

    private Manifests() {
    }

    /** Whether a path is a manifest this gate reads. */
    static boolean isManifest(String path) {
        if (path.contains("node_modules/") || path.startsWith("vendor/") || path.contains("/vendor/")) {
            return false;
        }
        return isManifestName(path.substring(path.lastIndexOf('/') + 1));
    }

    /** Whether a file of this name may be a manifest (cheap: tried on every file of a tree). */
    static boolean isManifestName(String name) {
        return name.equals("pom.xml") || name.equals("package.json") || name.equals("package-lock.json") || name.equals("go.mod")
                || name.equals("pyproject.toml") || name.equals(".npmrc") || (name.startsWith("requirements") && (name.endsWith(".txt")
                || name.endsWith(".in"))) || name.equals("constraints.txt") || OtherEcosystemManifests.reads(name) || PackageSources.reads(name, name)
                || name.equals("config") || name.equals("config.toml");
    }

    static void read(String path, byte[] content, List<Dependency> deps, Set<String> sources) throws IOException {
        read(path, content, deps, sources, new ArrayList<>());
    }

    /** @param includes where the paths of requirement files this one includes (-r, -c) are added, resolved in the repository */
    static void read(String path, byte[] content, List<Dependency> deps, Set<String> sources, List<String> includes) throws IOException {
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (PackageSources.reads(path, name)) {
            PackageSources.read(path, name, content, sources);
            return;
        }
        if (OtherEcosystemManifests.reads(name)) {
            OtherEcosystemManifests.read(path, name, content, deps, sources, includes);
            return;
        }
        if (name.equals("config") || name.equals("config.toml")) {
            return; // only as .cargo/config(.toml) or .bundle/config, above
        }
        switch (name) {
            case "pom.xml" -> pom(path, content, deps, sources);
            case "package.json" -> packageJson(path, content, deps, sources);
            case "package-lock.json" -> packageLock(path, content, deps, sources);
            case "go.mod" -> goMod(path, new String(content, StandardCharsets.UTF_8), deps, sources);
            case "pyproject.toml" -> Pyproject.read(path, content, deps, sources);
            case ".npmrc" -> npmrc(new String(content, StandardCharsets.UTF_8), sources);
            default -> requirements(path, new String(content, StandardCharsets.UTF_8), deps, sources, includes);
        }
    }

    static void pom(String path, byte[] content, List<Dependency> deps, Set<String> sources) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            var b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new ByteArrayInputStream(content));
        } catch (Exception e) {
            throw new IOException("not a readable pom.xml: " + e.getMessage(), e);
        }
        Element project = doc.getDocumentElement();
        Map<String, String> props = new HashMap<>();
        Element p = child(project, "properties");
        if (p != null) {
            NodeList l = p.getChildNodes();
            for (int i = 0; i < l.getLength(); i++) {
                if (l.item(i) instanceof Element e) {
                    props.put(e.getTagName(), e.getTextContent().strip());
                }
            }
        }
        props.put("project.version", text(project, "version"));
        NodeList all = project.getElementsByTagName("dependency");
        for (int i = 0; i < all.getLength(); i++) {
            Element d = (Element) all.item(i);
            String g = resolve(text(d, "groupId"), props);
            String a = resolve(text(d, "artifactId"), props);
            if (g != null && a != null) {
                deps.add(new Dependency("maven", g + ":" + a, resolve(text(d, "version"), props), path));
            }
        }
        NodeList repos = project.getElementsByTagName("url");
        for (int i = 0; i < repos.getLength(); i++) {
            Node parent = repos.item(i).getParentNode();
            if (parent instanceof Element e && (e.getTagName().equals("repository") || e.getTagName().equals("pluginRepository"))) {
                sources.add("maven repository " + repos.item(i).getTextContent().strip());
            }
        }
    }

    static void packageJson(String path, byte[] content, List<Dependency> deps, Set<String> sources) throws IOException {
        JsonNode root = JSON.readTree(content);
        for (String section : List.of("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path(section).fields(); it.hasNext(); ) {
                var e = it.next();
                String spec = e.getValue().asText();
                deps.add(new Dependency("npm", e.getKey(), spec, path));
                if (spec.matches("^(git|git\\+\\w+|https?|file|github|gitlab|bitbucket):.*") || spec.contains("://") || spec.matches("^[\\w-]+/[\\w.-]+(#.*)?$")) {
                    sources.add("npm " + e.getKey() + " from " + spec);
                }
            }
        }
        if (root.has("publishConfig") && root.path("publishConfig").has("registry")) {
            sources.add("npm registry " + root.path("publishConfig").path("registry").asText());
        }
    }

    static void packageLock(String path, byte[] content, List<Dependency> deps, Set<String> sources) throws IOException {
        JsonNode root = JSON.readTree(content);
        JsonNode packages = root.path("packages");
        if (packages.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = packages.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().isEmpty()) {
                    continue;
                }
                String name = e.getValue().has("name") ? e.getValue().path("name").asText()
                        : e.getKey().substring(e.getKey().lastIndexOf("node_modules/") + "node_modules/".length());
                deps.add(new Dependency("npm", name, e.getValue().path("version").asText(null), path));
                resolved(e.getValue().path("resolved").asText(null), sources);
            }
        } else {
            lockV1(root.path("dependencies"), path, deps, sources);
        }
    }

    private static void lockV1(JsonNode deps0, String path, List<Dependency> deps, Set<String> sources) {
        for (Iterator<Map.Entry<String, JsonNode>> it = deps0.fields(); it.hasNext(); ) {
            var e = it.next();
            deps.add(new Dependency("npm", e.getKey(), e.getValue().path("version").asText(null), path));
            resolved(e.getValue().path("resolved").asText(null), sources);
            lockV1(e.getValue().path("dependencies"), path, deps, sources);
        }
    }

    private static void resolved(String url, Set<String> sources) {
        if (url == null) {
            return;
        }
        Matcher m = Pattern.compile("^(\\w[\\w+.-]*://[^/]+)").matcher(url);
        sources.add("npm registry " + (m.find() ? m.group(1) : url));
    }

    static void npmrc(String text, Set<String> sources) {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.matches("^(@[\\w.-]+:)?registry\\s*=.*")) {
                sources.add("npm registry " + l.substring(l.indexOf('=') + 1).strip());
            }
        }
    }

    /** pip's options that name where packages come from, long and short, with their value. */
    private static final Pattern PIP_OPTION = Pattern.compile(
            "^(--index-url|--extra-index-url|--find-links|--trusted-host|--requirement|--constraint|--editable|--no-index|--pre|--prefer-binary"
                    + "|--only-binary|--no-binary|--require-hashes|--use-feature|--hash|-i|-f|-r|-c|-e)(?:[= ]\\s*|(?<=^-[ifrce]))?(.*)$");

    static void requirements(String path, String text, List<Dependency> deps, Set<String> sources) {
        requirements(path, text, deps, sources, new ArrayList<>());
    }

    /**
     * A pip requirements file, every option form: "-i URL", "-iURL", "--index-url=URL", "--index-url URL";
     * -r/-c includes are resolved next to this file and returned to be read too.
     */
    static void requirements(String path, String text, List<Dependency> deps, Set<String> sources, List<String> includes) {
        for (String raw : text.replace("\\\n", " ").split("\n")) {
            String l = raw.replaceAll("(^|\\s)#.*$", "").strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("-")) {
                Matcher o = PIP_OPTION.matcher(l);
                if (!o.matches()) {
                    sources.add("pypi option " + l + " (" + path + ")"); // an option this reader does not know is reported, not skipped
                    continue;
                }
                String opt = o.group(1);
                String value = o.group(2).strip();
                switch (opt) {
                    case "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host" ->
                            sources.add("pypi index " + value + " (" + path + ")");
                    case "-r", "--requirement", "-c", "--constraint" -> includes.add(resolveInclude(path, value));
                    case "-e", "--editable" -> {
                        sources.add("pypi direct " + value);
                        Matcher egg = Pattern.compile("#egg=([A-Za-z0-9._-]+)").matcher(value);
                        deps.add(new Dependency("pypi", egg.find() ? normalize(egg.group(1)) : value, null, path));
                    }
                    default -> {
                        // options that change no source (--pre, --hash, ...)
                    }
                }
                continue;
            }
            if (l.matches("^(git\\+|hg\\+|svn\\+|bzr\\+|https?://|file:|\\.{0,2}/).*")) {
                sources.add("pypi direct " + l);
                Matcher egg = Pattern.compile("#egg=([A-Za-z0-9._-]+)").matcher(l);
                deps.add(new Dependency("pypi", egg.find() ? normalize(egg.group(1)) : l, null, path));
                continue;
            }
            String req = l.replaceFirst("\\s+--hash[= ].*$", "");
            Matcher u = REQ_URL.matcher(req);
            if (u.matches()) {
                deps.add(new Dependency("pypi", normalize(u.group(1)), null, path));
                sources.add("pypi direct " + u.group(2));
                continue;
            }
            Matcher m = REQ.matcher(req);
            if (m.matches()) {
                deps.add(new Dependency("pypi", normalize(m.group(1)), m.group(4), path));
            }
        }
    }

    /** An included file's path in the repository, or "!" + why when it cannot be one (a URL, or outside the repository). */
    static String resolveInclude(String from, String target) {
        if (target.matches("^\\w[\\w+.-]*://.*")) {
            return "!" + target + " is a URL: pip would fetch it at install time";
        }
        if (target.startsWith("/")) {
            return "!" + target + " is an absolute path outside the repository";
        }
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        String dir = from.contains("/") ? from.substring(0, from.lastIndexOf('/')) : "";
        for (String p : (dir.isEmpty() ? target : dir + "/" + target).split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    return "!" + target + " leaves the repository";
                }
                parts.removeLast();
            } else {
                parts.addLast(p);
            }
        }
        return String.join("/", parts);
    }


    static void goMod(String path, String text, List<Dependency> deps, Set<String> sources) {
        boolean inRequire = false;
        boolean inReplace = false;
        for (String raw : text.split("\n")) {
            String l = raw.replaceAll("//.*$", "").strip();
            if (l.startsWith("require (")) {
                inRequire = true;
                continue;
            }
            if (l.startsWith("replace (")) {
                inReplace = true;
                continue;
            }
            if (l.equals(")")) {
                inRequire = false;
                inReplace = false;
                continue;
            }
            if (inReplace || l.startsWith("replace ")) {
                String r = l.replaceFirst("^replace\\s+", "");
                if (r.contains("=>")) {
                    sources.add("go replace " + r.replaceAll("\\s+", " "));
                }
                continue;
            }
            String req = inRequire ? l : l.startsWith("require ") ? l.substring("require ".length()).strip() : null;
            if (req != null && !req.isEmpty()) {
                String[] parts = req.split("\\s+");
                deps.add(new Dependency("golang", parts[0], parts.length > 1 ? parts[1] : null, path));
            }
        }
    }

    static String normalize(String pypiName) {
        return pypiName.toLowerCase(java.util.Locale.ROOT).replaceAll("[-_.]+", "-");
    }

    private static Element child(Element e, String tag) {
        NodeList l = e.getChildNodes();
        for (int i = 0; i < l.getLength(); i++) {
            if (l.item(i) instanceof Element c && c.getTagName().equals(tag)) {
                return c;
            }
        }
        return null;
    }

    private static String text(Element e, String tag) {
        Element c = child(e, tag);
        return c == null ? null : c.getTextContent().strip();
    }

    private static String resolve(String v, Map<String, String> props) {
        if (v == null) {
            return null;
        }
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(v);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String r = props.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(r == null ? m.group() : r));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
