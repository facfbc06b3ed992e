package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks that need dependencies, in real gVisor sandboxes with no network: a real Maven project's
 * tests run offline from the host's local repository mounted read-only (the JUnit and plugins this
 * build itself resolved), and a Node project's check installs its package through the registry the
 * proxy allows (the npm registry this machine uses), while a check without {@code registries}
 * cannot reach it at all.
 */
class CheckDependenciesIT {
    @TempDir
    Path tmp;

    /**
     * A local repository with what the project needs, taken from the host's own (~/.m2/repository,
     * read as a file mirror named central, so that offline Maven in the sandbox accepts it): the
     * host's is private to root, and the sandbox's user must be able to read a cache.
     */
    private Path localRepositoryFromTheHosts(Path project) throws Exception {
        Path m2 = tmp.resolve("m2");
        Path settings = Files.writeString(tmp.resolve("settings.xml"), "<settings><mirrors><mirror><id>central</id><mirrorOf>*</mirrorOf><url>"
                + Path.of(System.getProperty("user.home"), ".m2", "repository").toUri() + "</url></mirror></mirrors></settings>");
        Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + m2, "test")
                .directory(project.toFile()).redirectErrorStream(true).start();
        String out = new String(mvn.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(mvn.waitFor()).as(out).isZero();
        dev.agentsandbox.workspace.Folders.delete(project.resolve("target"));
        try (var files = Files.walk(m2)) {
            for (Path f : files.toList()) {
                var perms = new java.util.HashSet<>(Files.getPosixFilePermissions(f));
                perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
                if (Files.isDirectory(f)) {
                    perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                }
                Files.setPosixFilePermissions(f, perms);
            }
        }
        return m2;
    }

    /** A plugin's or the JUnit version this build pins, so that the sample resolves from what the build downloaded. */
    private static String pinned(String regex) throws Exception {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(Files.readString(Path.of("pom.xml")));
        if (!m.find()) {
            throw new AssertionError("pom.xml pins no " + regex);
        }
        return m.group(1);
    }

    private static void commit(Path repo, String message) throws Exception {
        try (Git git = Git.open(repo.toFile())) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage(message).setAuthor("Dev", "dev@example.invalid").setCommitter("Dev", "dev@example.invalid").setSign(false).call();
        }
    }

    @Test
    void aMavenProjectsTestsRunOfflineFromTheHostsRepositoryReadOnly() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String pom = """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId><artifactId>calc</artifactId><version>1</version>
                  <properties><maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
                  <dependencies><dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId>
                    <version>%s</version><scope>test</scope></dependency></dependencies>
                  <build><plugins>
                    <plugin><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
                    <plugin><artifactId>maven-surefire-plugin</artifactId><version>%s</version></plugin>
                  </plugins></build>
                </project>
                """.formatted(pinned("<junit.version>([^<]+)</junit.version>"),
                pinned("<artifactId>maven-compiler-plugin</artifactId>\\s*<version>([^<]+)</version>"),
                pinned("<artifactId>maven-surefire-plugin</artifactId>\\s*<version>([^<]+)</version>"));
        Path java = repo.dir.resolve("mvnproj");
        Files.createDirectories(java.resolve("src/main/java/calc"));
        Files.createDirectories(java.resolve("src/test/java/calc"));
        Files.writeString(java.resolve("pom.xml"), pom);
        Files.writeString(java.resolve("src/main/java/calc/Calc.java"), "package calc;\npublic class Calc {\n"
                + "    public static int add(int a, int b) { return a + b; }\n}\n");
        Files.writeString(java.resolve("src/test/java/calc/CalcTest.java"), "package calc;\nimport org.junit.jupiter.api.Test;\n"
                + "import static org.junit.jupiter.api.Assertions.assertEquals;\nclass CalcTest {\n"
                + "    @Test void adds() { assertEquals(5, Calc.add(2, 3)); }\n}\n");
        commit(repo.dir, "a Maven project");
        Path m2 = localRepositoryFromTheHosts(java);
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                sandbox:
                  memory: 2g
                  caches: [{ host: "%s", path: /cache/m2 }]
                checks:
                  tests:
                    image: %s
                    command: ["sh", "-c", "cd mvnproj && mvn -B -q -o -Dmaven.repo.local=/cache/m2 test"]
                    junit: mvnproj/target/surefire-reports/*.xml
                    timeout: 10m
                """.formatted(m2, TestHost.BUILD_IMAGE));
        // the agent breaks nothing: it adds a second test, which must run too
        String agent = "printf 'package calc;\\nimport org.junit.jupiter.api.Test;\\nimport static org.junit.jupiter.api.Assertions.assertEquals;\\n"
                + "class MoreTest {\\n    @Test void addsNegatives() { assertEquals(-1, Calc.add(2, -3)); }\\n}\\n'"
                + " > mvnproj/src/test/java/calc/MoreTest.java";
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add a test", "--image", TestHost.IMAGE, "--command", agent,
                "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        JsonNode tests = gate(tmp.resolve("b"), "tests");
        assertThat(tests.path("verdict").asText()).as(tests.toString()).isEqualTo("pass");
        assertThat(tests.path("details").path("tests").asInt()).as("both tests ran, from JUnit the host's repository holds").isEqualTo(2);
        assertThat(tests.path("details").path("failures").asInt()).isZero();
    }

    @Test
    void aNodeProjectsCheckInstallsThroughTheAllowedRegistryAndACheckWithoutItCannot() throws Exception {
        URI registry = URI.create(RegistryIT.npmRegistry());
        int port = registry.getPort() > 0 ? registry.getPort() : "https".equals(registry.getScheme()) ? 443 : 80;
        SampleRepo repo = SampleRepo.create(tmp);
        Path node = Files.createDirectories(repo.dir.resolve("nodeproj"));
        Files.writeString(node.resolve("package.json"), "{ \"name\": \"nodeproj\", \"version\": \"1.0.0\", \"private\": true,"
                + " \"dependencies\": { \"is-number\": \"7.0.0\" } }\n");
        commit(repo.dir, "a Node project");
        String install = "cd nodeproj && npm install --no-audit --no-fund --ignore-scripts --fetch-retries=0 --registry \"$REGISTRY\""
                + " >/tmp/npm.log 2>&1"
                + " || { tail -5 /tmp/npm.log; exit 1; }; node -e \"if (!require('is-number')(7)) process.exit(1)\" && echo installed";
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                proxy:
                  registries: ["%s:%d"]
                sandbox:
                  # the host's CA bundle, for a registry behind a TLS-inspecting proxy as this machine's may be
                  caches: [{ host: "%s", path: /cache/certs }]
                  env: { REGISTRY: "%s", NODE_EXTRA_CA_CERTS: /cache/certs/%s }
                checks:
                  deps:
                    image: %s
                    registries: true
                    command: ["sh", "-c", %s]
                  offline:
                    image: %s
                    command: ["sh", "-c", %s]
                """.formatted(registry.getHost(), port, caBundle().getParent(), registry, caBundle().getFileName(), TestHost.BUILD_IMAGE,
                new ObjectMapper().writeValueAsString(install),
                TestHost.BUILD_IMAGE, new ObjectMapper().writeValueAsString(install)));
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "touch the readme", "--image", TestHost.IMAGE, "--command",
                "echo more >> README.md", "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
        assertThat(gate(tmp.resolve("b"), "deps").path("verdict").asText()).as(r.toString()).isEqualTo("pass");
        assertThat(Files.readString(tmp.resolve("b/reports/checks/deps.log"))).contains("installed");
        JsonNode offline = gate(tmp.resolve("b"), "offline");
        assertThat(offline.path("verdict").asText()).as("a check without registries has no way out").isEqualTo("fail");
        assertThat(r.exitCode).isEqualTo(1);
        String audit = Files.readString(tmp.resolve("b/audit.jsonl"));
        assertThat(audit).contains("\"method\":\"CONNECT\"").contains(registry.getHost() + ":" + port);
    }

    /** The CA bundle the host's npm trusts. */
    private static Path caBundle() throws Exception {
        Process p = new ProcessBuilder("npm", "config", "get", "cafile").redirectErrorStream(true).start();
        String file = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        p.waitFor();
        return Path.of(file.isEmpty() || file.equals("null") ? "/etc/ssl/certs/ca-certificates.crt" : file);
    }

    private static JsonNode gate(Path bundle, String name) throws Exception {
        for (JsonNode g : new ObjectMapper().readTree(bundle.resolve("gates.json").toFile())) {
            if (g.path("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name);
    }
}
