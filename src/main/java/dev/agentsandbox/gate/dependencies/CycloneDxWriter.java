package dev.agentsandbox.gate.dependencies;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cyclonedx.Version;
import org.cyclonedx.exception.GeneratorException;
import org.cyclonedx.generators.BomGeneratorFactory;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Property;

/** The head SBOM as CycloneDX 1.5 JSON; each component says whether the change added or changed it. */
public final class CycloneDxWriter {
    private CycloneDxWriter() {
    }

    public static Bom bom(Inventory head, DependencyDelta delta) {
        return bom(head, delta, List.of());
    }

    /** With the advisories found for the change's packages as CycloneDX vulnerabilities. */
    public static Bom bom(Inventory head, DependencyDelta delta, List<Advisory> advisories) {
        Map<String, String> status = new LinkedHashMap<>();
        delta.added().forEach(d -> status.put(d.key(), "added"));
        delta.changed().forEach(c -> status.put(c.after().key(), "changed from " + c.before().version()));
        Bom bom = new Bom();
        List<Component> components = new ArrayList<>();
        Map<String, Component> seen = new LinkedHashMap<>();
        for (Dependency d : head.dependencies()) {
            String ref = d.key() + "@" + d.version();
            if (seen.containsKey(ref)) {
                continue;
            }
            Component c = new Component();
            c.setType(Component.Type.LIBRARY);
            c.setBomRef(ref);
            c.setName(d.name());
            c.setVersion(d.version());
            c.setPurl(d.purl());
            List<Property> props = new ArrayList<>();
            props.add(property("agent-sandbox:manifest", d.manifest()));
            if (status.containsKey(d.key())) {
                props.add(property("agent-sandbox:delta", status.get(d.key())));
            }
            c.setProperties(props);
            seen.put(ref, c);
            components.add(c);
        }
        bom.setComponents(components);
        List<Property> props = new ArrayList<>();
        delta.removed().forEach(d -> props.add(property("agent-sandbox:removed", d.key() + "@" + d.version())));
        delta.newSources().forEach(s -> props.add(property("agent-sandbox:new-source", s)));
        if (!props.isEmpty()) {
            bom.setProperties(props); // the 10.1 generator writes broken JSON for an empty list
        }
        List<org.cyclonedx.model.vulnerability.Vulnerability> vulns = new ArrayList<>();
        for (Advisory a : advisories) {
            var v = new org.cyclonedx.model.vulnerability.Vulnerability();
            v.setId(a.id());
            var src = new org.cyclonedx.model.vulnerability.Vulnerability.Source();
            src.setName("OSV");
            src.setUrl("https://osv.dev/vulnerability/" + a.id());
            v.setSource(src);
            v.setDescription(a.summary());
            var rating = new org.cyclonedx.model.vulnerability.Vulnerability.Rating();
            rating.setSeverity(org.cyclonedx.model.vulnerability.Vulnerability.Rating.Severity.fromString(
                    a.severity().name().toLowerCase(java.util.Locale.ROOT)));
            v.setRatings(List.of(rating));
            var affect = new org.cyclonedx.model.vulnerability.Vulnerability.Affect();
            affect.setRef(a.dependency().key() + "@" + a.dependency().version());
            v.setAffects(List.of(affect));
            vulns.add(v);
        }
        if (!vulns.isEmpty()) {
            bom.setVulnerabilities(vulns);
        }
        return bom;
    }

    public static void write(Inventory head, DependencyDelta delta, Path file) throws IOException {
        write(head, delta, List.of(), file);
    }

    public static void write(Inventory head, DependencyDelta delta, List<Advisory> advisories, Path file) throws IOException {
        try {
            String json = BomGeneratorFactory.createJson(Version.VERSION_15, bom(head, delta, advisories)).toJsonString();
            Files.writeString(file, json, StandardCharsets.UTF_8);
        } catch (GeneratorException e) {
            throw new IOException("cannot write the CycloneDX SBOM: " + e.getMessage(), e);
        }
    }

    private static Property property(String name, String value) {
        Property p = new Property();
        p.setName(name);
        p.setValue(value);
        return p;
    }
}
