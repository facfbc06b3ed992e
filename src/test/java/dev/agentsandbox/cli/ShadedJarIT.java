package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped jar sheds what the CLI does not use (ICU's locale data, Kubernetes API groups it
 * never calls, docker-java's object model). What it keeps must still work from the jar alone:
 * Unicode normalisation and character properties, and the libraries it no longer carries are gone.
 */
class ShadedJarIT {
    static final Path JAR = Path.of(System.getProperty("agentsandbox.jar", "target/agent-sandbox.jar"));

    /** Runs in a JVM whose classpath is the shipped jar and this class alone. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            System.out.println(dev.agentsandbox.identity.Identity.of("ＡＮＮ").id());
            System.out.println(dev.agentsandbox.console.SafeText.line("a\u202eb\u200bc"));
            try {
                dev.agentsandbox.identity.Identity.of("a\u200bnn");
                System.out.println("accepted");
            } catch (Exception e) {
                System.out.println("refused");
            }
            // Guava is carried again since Vertex AI's tokens come from Google's auth library (a current version, no known advisory)
            for (String gone : List.of("org.bouncycastle.jce.provider.BouncyCastleProvider", "com.github.dockerjava.core.DockerClientImpl",
                    "io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway", "org.apache.http.impl.client.CloseableHttpClient",
                    "io.netty.channel.Channel")) {
                try {
                    Class.forName(gone);
                    System.out.println("present " + gone);
                } catch (ClassNotFoundException e) {
                    System.out.println("absent");
                }
            }
        }
    }

    @Test
    void unicodeWorksFromTheJarAloneAndTheShedLibrariesAreGone() throws Exception {
        String probe = Path.of("target/test-classes").toAbsolutePath().toString();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                JAR.toAbsolutePath() + File.pathSeparator + probe, Probe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.lines().toList()).containsExactly("ann", "a\\u202Eb\\u200Bc", "refused", "absent", "absent", "absent", "absent", "absent");
    }

    @Test
    void theJarCarriesItsOwnSbomWithEveryLibrarysLicence() throws Exception {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(JAR.toFile())) {
            var entry = zip.getEntry("META-INF/sbom/agent-sandbox.cdx.json");
            assertThat(entry).as("the SBOM licence reports read").isNotNull();
            var bom = new com.fasterxml.jackson.databind.ObjectMapper().readTree(zip.getInputStream(entry));
            List<String> names = new java.util.ArrayList<>();
            bom.path("components").forEach(c -> {
                names.add(c.path("group").asText() + ":" + c.path("name").asText());
                assertThat(c.path("licenses").isEmpty()).as(c.path("name").asText() + " names its licence").isFalse();
            });
            assertThat(names).contains("org.eclipse.jgit:org.eclipse.jgit", "software.amazon.awssdk:http-auth-aws", "com.azure:azure-identity")
                    .doesNotContain("com.github.docker-java:docker-java-core", "org.junit.jupiter:junit-jupiter-api");
        }
    }
}
