package dev.agentsandbox.wrappers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jenkins plugin carries a CLI release from Maven Central, so that it builds alone, as
 * ci.jenkins.io builds a plugin from its own repository. This checks both ends on every CI run: the
 * release profile builds what Central requires (sources, javadoc, a pom that lists no library the
 * jar already holds, its url, scm, licence and developers), and the plugin's pom names a release of
 * this very artifact, never a snapshot. Signing and the upload run only in the release workflow.
 */
class ReleaseArtifactsIT {
    /** The versions plugin as the release workflow pins it (its steps hold no secret, but an unpinned plugin is whatever is latest). */
    static final String VERSIONS = "org.codehaus.mojo:versions-maven-plugin:2.19.1";
    static final Pattern CLI_VERSION = Pattern.compile("<agent-sandbox-cli\\.version>([^<]*)</agent-sandbox-cli\\.version>");

    @Test
    void theCentralProfileBuildsWhatCentralRequires(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("cli");
        Files.createDirectories(copy);
        Files.copy(Path.of("pom.xml"), copy.resolve("pom.xml"));
        Files.copy(Path.of("LICENSE"), copy.resolve("LICENSE"));
        JenkinsPluginCheckIT.copy(Path.of("src/main").toAbsolutePath(), copy.resolve("src/main"));
        // the release workflow's commands, without signing and upload
        mvn(copy, VERSIONS + ":set", "-DnewVersion=9.8.7", "-DgenerateBackupPoms=false");
        mvn(copy, VERSIONS + ":set-property", "-Dproperty=gitHubRepo", "-DnewVersion=example-org/example-cli", "-DgenerateBackupPoms=false");
        mvn(copy, "-P", "central", "-Dmaven.test.skip=true", "-Dgpg.skip", "verify");

        Path target = copy.resolve("target");
        try (ZipFile sources = new ZipFile(target.resolve("agent-sandbox-sources.jar").toFile());
                ZipFile javadoc = new ZipFile(target.resolve("agent-sandbox-javadoc.jar").toFile());
                ZipFile jar = new ZipFile(target.resolve("agent-sandbox.jar").toFile())) {
            assertThat(sources.getEntry("dev/agentsandbox/cli/Main.java")).isNotNull();
            assertThat(javadoc.getEntry("index.html")).isNotNull();
            assertThat(jar.getEntry("META-INF/sbom/agent-sandbox.cdx.json")).as("the licence list the plugin reads").isNotNull();
        }
        String pom = Files.readString(target.resolve("dependency-reduced-pom.xml"));
        assertThat(pom).contains("<version>9.8.7</version>").contains("<gitHubRepo>example-org/example-cli</gitHubRepo>")
                .contains("<url>https://github.com/${gitHubRepo}</url>")
                .contains("<connection>scm:git:https://github.com/${gitHubRepo}.git</connection>")
                .contains("<name>Apache-2.0</name>").contains("<developer>");
        assertThat(librariesDeclared(pom)).as("a consumer of the shaded jar gets no second copy of its libraries").isEmpty();
    }

    @Test
    void thePluginCarriesAReleaseOfThisArtifact() throws IOException {
        String plugin = Files.readString(Path.of("jenkins-plugin/pom.xml"));
        assertThat(releasedCliVersion(plugin)).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(plugin).contains("<groupId>dev.agentsandbox</groupId>\n                  <artifactId>agent-sandbox</artifactId>");
        String root = Files.readString(Path.of("pom.xml"));
        assertThat(root).contains("<groupId>dev.agentsandbox</groupId>\n  <artifactId>agent-sandbox</artifactId>");
        String release = Files.readString(Path.of(".github/workflows/release.yml"));
        assertThat(release).contains("-P central").contains("deploy").contains(VERSIONS + ":set ")
                .contains("AGENT_SANDBOX_RELEASE_JAR=central/agent-sandbox.jar").contains("needs: [central]");
        assertThat(release.split("\\n")).filteredOn(l -> l.contains("versions:") && !l.contains(VERSIONS)).as("every versions call pinned").isEmpty();
        assertThat(Files.readString(Path.of("jenkins-plugin/Jenkinsfile"))).contains("buildPlugin(");
        // nothing in the plugin's folder reaches outside it: `git subtree split --prefix=jenkins-plugin` is its repository
        try (Stream<Path> files = Files.walk(Path.of("jenkins-plugin"))) {
            assertThat(files.filter(Files::isRegularFile).filter(f -> !f.startsWith("jenkins-plugin/check/stubs"))
                    .filter(f -> read(f).contains("../")).toList()).isEmpty();
        }
        // the control: a snapshot, or no version, is refused
        assertThatThrownBy(() -> releasedCliVersion(plugin.replaceFirst("(cli\\.version>)[^<]*", "$10.1.0-SNAPSHOT")))
                .hasMessageContaining("0.1.0-SNAPSHOT");
        assertThatThrownBy(() -> releasedCliVersion("<project/>")).hasMessageContaining("no agent-sandbox-cli.version");
    }

    private static void mvn(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-ntp"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    }

    static String releasedCliVersion(String pluginPom) {
        Matcher m = CLI_VERSION.matcher(pluginPom);
        if (!m.find()) {
            throw new IllegalStateException("the plugin's pom has no agent-sandbox-cli.version");
        }
        String v = m.group(1).trim();
        if (!v.matches("\\d+\\.\\d+\\.\\d+")) {
            throw new IllegalStateException("the plugin carries CLI " + v + ", not a release: ci.jenkins.io cannot resolve it");
        }
        return v;
    }

    /** Dependencies a consumer of the published pom would get: outside dependencyManagement, not test-scoped. */
    static List<String> librariesDeclared(String pom) {
        String body = pom.replaceAll("(?s)<dependencyManagement>.*?</dependencyManagement>", "")
                .replaceAll("(?s)<build>.*?</build>", "").replaceAll("(?s)<profiles>.*?</profiles>", "");
        List<String> found = new ArrayList<>();
        Matcher d = Pattern.compile("(?s)<dependency>(.*?)</dependency>").matcher(body);
        while (d.find()) {
            if (!d.group(1).matches("(?s).*<scope>(test|provided)</scope>.*")) {
                found.add(d.group(1).replaceAll("\\s+", " ").trim());
            }
        }
        return found;
    }

    private static String read(Path f) {
        try {
            return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
