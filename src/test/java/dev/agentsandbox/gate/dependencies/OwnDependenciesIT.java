package dev.agentsandbox.gate.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The project passes its own dependency gate: the libraries the shipped jar carries (each one's
 * pom.properties, as the shade plugin keeps them) are looked up in advisories the way a run looks
 * up a change's dependencies. Offline, against the advisories in src/test/resources/osv-own; on
 * GitHub's hosted runners also against osv.dev (-Dagentsandbox.osv.url).
 */
class OwnDependenciesIT {
    static final Path JAR = Path.of(System.getProperty("agentsandbox.jar", "target/agent-sandbox.jar"));

    static List<Dependency> shipped() throws IOException {
        List<Dependency> out = new ArrayList<>();
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                if (e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties")) {
                    Properties p = new Properties();
                    p.load(jar.getInputStream(e));
                    out.add(new Dependency("maven", p.getProperty("groupId") + ":" + p.getProperty("artifactId"), p.getProperty("version"), "agent-sandbox.jar"));
                }
            }
        }
        return out;
    }

    @Test
    void theShippedJarCarriesNoLibraryWithAKnownAdvisory() throws Exception {
        List<Dependency> libs = shipped();
        assertThat(libs).as("the jar names what it carries").hasSizeGreaterThan(30)
                .extracting(Dependency::name).contains("org.eclipse.jgit:org.eclipse.jgit", "com.fasterxml.jackson.core:jackson-databind",
                        "software.amazon.awssdk:http-auth-aws", "com.google.auth:google-auth-library-oauth2-http")
                .doesNotContain("org.bouncycastle:bcprov-jdk18on", "com.github.docker-java:docker-java-core", "org.apache.httpcomponents:httpclient");
        var offline = OsvAdvisories.database(Path.of("src/test/resources/osv-own"));
        assertThat(offline.find(libs)).isEmpty();
        String online = System.getProperty("agentsandbox.osv.url");
        if (online != null) {
            assertThat(OsvAdvisories.api(online).find(libs)).as("osv.dev on the shipped libraries").isEmpty();
        }
    }

    @Test
    void theCheckFindsWhatTheJarOnceCarried() throws Exception {
        List<Dependency> before = List.of(new Dependency("maven", "com.google.guava:guava", "19.0", "agent-sandbox.jar"),
                new Dependency("maven", "org.apache.commons:commons-compress", "1.21", "agent-sandbox.jar"),
                new Dependency("maven", "org.bouncycastle:bcprov-jdk18on", "1.76", "agent-sandbox.jar"));
        assertThat(OsvAdvisories.database(Path.of("src/test/resources/osv-own")).find(before)).extracting(Advisory::id)
                .contains("GHSA-7g45-4rm6-3mm3", "GHSA-5mg8-w23w-74h3", "GHSA-4g9r-vxhx-9pgx", "GHSA-4265-ccf5-phj5", "GHSA-8xfc-gm6g-vgpv");
    }
}
