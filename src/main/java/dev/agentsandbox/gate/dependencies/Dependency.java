package dev.agentsandbox.gate.dependencies;

import com.github.packageurl.MalformedPackageURLException;
import com.github.packageurl.PackageURL;
import java.util.Objects;

/**
 * One declared dependency.
 *
 * @param ecosystem maven, npm, pypi, golang, cargo, gem or composer (purl types)
 * @param name the package name (maven: group:artifact)
 * @param version the version or range as declared (may be null)
 * @param manifest the file that declares it
 */
public record Dependency(String ecosystem, String name, String version, String manifest) {
    public Dependency {
        Objects.requireNonNull(ecosystem, "ecosystem");
        Objects.requireNonNull(name, "name");
    }

    public String key() {
        return ecosystem + ":" + name;
    }

    /** The package URL (purl), or null when the name cannot be one. */
    public String purl() {
        try {
            String ns = null;
            String n = name;
            if (ecosystem.equals("maven") && name.contains(":")) {
                ns = name.substring(0, name.indexOf(':'));
                n = name.substring(name.indexOf(':') + 1);
            } else if (ecosystem.equals("npm") && name.startsWith("@") && name.contains("/")) {
                ns = name.substring(0, name.indexOf('/'));
                n = name.substring(name.indexOf('/') + 1);
            } else if (ecosystem.equals("composer") && name.contains("/")) {
                ns = name.substring(0, name.indexOf('/'));
                n = name.substring(name.indexOf('/') + 1);
            } else if (ecosystem.equals("golang") && name.contains("/")) {
                ns = name.substring(0, name.lastIndexOf('/'));
                n = name.substring(name.lastIndexOf('/') + 1);
            }
            String v = version == null || version.isBlank() ? null : version;
            return new PackageURL(ecosystem, ns, n, v, null, null).canonicalize();
        } catch (MalformedPackageURLException e) {
            return null;
        }
    }
}
