package dev.agentsandbox.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * What the organisation lets any run on its hosts use, whatever a repository's configuration or a
 * pipeline asks for: the {@code allow:} section of the organisation policy (a Jenkins controller's
 * global configuration writes it). An empty or missing list allows anything of its kind. Images are
 * matched whole, with {@code *} for any run of characters, so {@code agent-sandbox/*} allows every
 * image of that repository and nothing else; tiers, backends and providers are names.
 */
public record OrgAllow(List<String> images, List<String> tiers, List<String> backends, List<String> providers) {
    public static final OrgAllow ANY = new OrgAllow(List.of(), List.of(), List.of(), List.of());

    static OrgAllow read(Path file, JsonNode allow) throws UsageException {
        if (allow.isMissingNode() || allow.isNull()) {
            return ANY;
        }
        if (!allow.isObject()) {
            throw new UsageException(file + ": allow must be a map: { images: [patterns], tiers: [names], backends: [names], providers: [names] }");
        }
        for (var it = allow.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("images", "tiers", "backends", "providers").contains(k)) {
                throw new UsageException(file + ": allow." + k + " is not a setting (images, tiers, backends, providers)");
            }
        }
        return new OrgAllow(list(file, allow, "images", false), list(file, allow, "tiers", true), list(file, allow, "backends", true),
                list(file, allow, "providers", true));
    }

    private static List<String> list(Path file, JsonNode allow, String key, boolean names) throws UsageException {
        JsonNode n = allow.path(key);
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new UsageException(file + ": allow." + key + " must be a list");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode v : n) {
            if (!v.isTextual() || v.asText().isBlank()) {
                throw new UsageException(file + ": allow." + key + " holds an empty or non-text entry");
            }
            out.add(names ? v.asText().trim().toLowerCase(Locale.ROOT) : v.asText().trim());
        }
        return List.copyOf(out);
    }

    /** Refuses a run that would start an image, or use a tier, backend or model provider, the organisation does not allow. */
    public void check(Collection<String> runImages, String tier, String backend, Collection<String> runProviders) throws RefusedException {
        for (String image : runImages) {
            if (!images.isEmpty() && images.stream().noneMatch(p -> OrgPolicy.glob(p, image))) {
                throw refused("image", image, "images", images);
            }
        }
        name("tier", tier, "tiers", tiers);
        name("backend", backend, "backends", backends);
        for (String p : runProviders) {
            name("model provider", p, "providers", providers);
        }
    }

    private static void name(String what, String value, String key, List<String> allowed) throws RefusedException {
        if (value != null && !allowed.isEmpty() && !allowed.contains(value.toLowerCase(Locale.ROOT))) {
            throw refused(what, value, key, allowed);
        }
    }

    private static RefusedException refused(String what, String value, String key, List<String> allowed) {
        return new RefusedException("the organisation policy does not allow the " + what + " '" + value + "' (allow." + key + ": "
                + String.join(", ", allowed) + "); use one it allows, or ask its owner (in Jenkins: Manage Jenkins > Agent sandbox)");
    }
}
