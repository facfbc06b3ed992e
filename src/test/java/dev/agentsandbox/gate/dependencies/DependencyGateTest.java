package dev.agentsandbox.gate.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.Tree;
import dev.agentsandbox.config.DependencyConfig;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.verdict.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DependencyGateTest {
    record MapTree(Map<String, String> files) implements Tree {
        @Override
        public List<String> paths() {
            return new ArrayList<>(new TreeMap<>(files).keySet());
        }

        @Override
        public Optional<byte[]> read(String path) {
            return Optional.ofNullable(files.get(path)).map(s -> s.getBytes(StandardCharsets.UTF_8));
        }
    }

    static List<Dependency> read(String path, String content, Set<String> sources) throws Exception {
        List<Dependency> deps = new ArrayList<>();
        Manifests.read(path, content.getBytes(StandardCharsets.UTF_8), deps, sources);
        return deps;
    }

    @Test
    void mavenDependenciesResolveProperties() throws Exception {
        String pom = "<project><version>1.0</version><properties><jackson.version>2.18.2</jackson.version></properties><dependencies>"
                + "<dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version></dependency>"
                + "</dependencies><repositories><repository><url>https://repo.internal.invalid/maven</url></repository></repositories></project>";
        Set<String> sources = new HashSet<>();
        List<Dependency> d = read("pom.xml", pom, sources);
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.name()).isEqualTo("com.fasterxml.jackson.core:jackson-databind");
            assertThat(x.version()).isEqualTo("2.18.2");
            assertThat(x.purl()).isEqualTo("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.18.2");
        });
        assertThat(sources).containsExactly("maven repository https://repo.internal.invalid/maven");
    }

    @Test
    void aPomWithAnExternalEntityIsRefusedWithoutReadingTheFile(@TempDir Path tmp) throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "TOP-SECRET");
        String pom = "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
                + "<project><dependencies><dependency><groupId>&x;</groupId><artifactId>a</artifactId></dependency></dependencies></project>";
        Inventory inv = SbomBuilder.inventory(new MapTree(Map.of("pom.xml", pom)));
        assertThat(inv.dependencies()).isEmpty();
        assertThat(inv.unreadable()).singleElement().asString().startsWith("pom.xml: ").doesNotContain("TOP-SECRET");
    }

    @Test
    void npmManifestsLockfilesAndScopedNames() throws Exception {
        Set<String> sources = new HashSet<>();
        List<Dependency> d = read("package.json", "{\"dependencies\":{\"@types/node\":\"^20.0.0\",\"evil\":\"git+https://example.invalid/e.git\"},"
                + "\"devDependencies\":{\"left-pad\":\"1.3.0\"}}", sources);
        assertThat(d).extracting(Dependency::name).containsExactly("@types/node", "evil", "left-pad");
        assertThat(d.get(0).purl()).isEqualTo("pkg:npm/%40types/node@%5E20.0.0");
        assertThat(sources).containsExactly("npm evil from git+https://example.invalid/e.git");
        List<Dependency> lock = read("package-lock.json", "{\"lockfileVersion\":3,\"packages\":{\"\":{},\"node_modules/left-pad\":"
                + "{\"version\":\"1.3.0\",\"resolved\":\"https://npm.mirror.invalid/left-pad/-/left-pad-1.3.0.tgz\"}}}", sources);
        assertThat(lock).extracting(Dependency::name, Dependency::version).containsExactly(org.assertj.core.groups.Tuple.tuple("left-pad", "1.3.0"));
        assertThat(sources).contains("npm registry https://npm.mirror.invalid");
    }

    @Test
    void pythonRequirementsIndexesAndDirectUrls() throws Exception {
        Set<String> sources = new HashSet<>();
        List<Dependency> d = read("requirements-dev.txt", "# tools\nRequests[socks]==2.32.3 ; python_version>'3'\n--index-url https://pypi.evil.invalid/simple\n"
                + "-r other.txt\nflask>=3\nmylib @ git+https://example.invalid/mylib.git\n", sources);
        assertThat(d).extracting(Dependency::name, Dependency::version).containsExactly(
                org.assertj.core.groups.Tuple.tuple("requests", "2.32.3"), org.assertj.core.groups.Tuple.tuple("flask", "3"),
                org.assertj.core.groups.Tuple.tuple("mylib", null));
        assertThat(sources).containsExactlyInAnyOrder("pypi index https://pypi.evil.invalid/simple (requirements-dev.txt)", "pypi direct git+https://example.invalid/mylib.git");
    }

    @Test
    void pyprojectAndPoetry() throws Exception {
        Set<String> sources = new HashSet<>();
        List<Dependency> d = read("pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\n  \"httpx>=0.27\",\n  \"rich==13.7.1\",\n]\n\n"
                + "[tool.poetry.dependencies]\npython = \"^3.11\"\npydantic = \"^2.0\"\nmine = { git = \"https://example.invalid/mine.git\" }\n", sources);
        assertThat(d).extracting(Dependency::name).containsExactly("httpx", "rich", "pydantic", "mine");
        assertThat(sources).containsExactly("pypi direct https://example.invalid/mine.git");
    }

    @Test
    void pyprojectFormsALineReaderMissesAreReadAsTomlReadsThem() throws Exception {
        // dotted keys at the top, a multi-line string, optional dependencies, a PEP 735 group, a poetry group, a uv index list
        Set<String> sources = new HashSet<>();
        List<Dependency> d = read("pyproject.toml", "project.name = 'x'\nproject.dependencies = ['evil-pkg>=1', \"\"\"\nsneaky==2\"\"\"]\n"
                + "project.optional-dependencies.extra = [\"opt-pkg\"]\n"
                + "dependency-groups.test = [\"group-pkg\"]\n"
                + "[tool.poetry.group.docs.dependencies]\nmkdocs = { version = \"1.6\" }\n"
                + "[tool.uv]\nextra-index-url = [\"https://extra.invalid/simple\"]\n", sources);
        assertThat(d).extracting(Dependency::name).containsExactlyInAnyOrder("evil-pkg", "sneaky", "opt-pkg", "group-pkg", "mkdocs");
        assertThat(sources).containsExactly("pypi index https://extra.invalid/simple");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> read("pyproject.toml", "[project\ndependencies = [", new HashSet<>()))
                .hasMessageContaining("pyproject.toml");
    }

    @Test
    void goModulesAndReplaceDirectives() throws Exception {
        Set<String> sources = new HashSet<>();
        List<Dependency> d = read("go.mod", "module example.invalid/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1 // indirect\n"
                + "\tgolang.org/x/net v0.25.0\n)\nrequire github.com/google/uuid v1.6.0\nreplace golang.org/x/net => github.com/evil/net v0.0.1\n", sources);
        assertThat(d).extracting(Dependency::name).containsExactly("github.com/pkg/errors", "golang.org/x/net", "github.com/google/uuid");
        assertThat(d.get(0).purl()).isEqualTo("pkg:golang/github.com/pkg/errors@v0.9.1");
        assertThat(sources).containsExactly("go replace golang.org/x/net => github.com/evil/net v0.0.1");
    }

    @Test
    void malformedManifestsWarnAndNeverCrash() throws Exception {
        Inventory inv = SbomBuilder.inventory(new MapTree(Map.of("package.json", "{not json", "pom.xml", "<project", "go.mod", "\u0000\u0001")));
        assertThat(inv.unreadable()).hasSize(2);
    }

    private static GateContext ctx(Map<String, String> base, Map<String, String> head, String... changed) {
        List<FileChange> files = new ArrayList<>();
        for (String p : changed) {
            files.add(new FileChange(p, FileChange.Kind.MODIFIED, 0100644, 0100644, false, 1, List.of(), 0));
        }
        return new GateContext(new ChangeSet(files), new MapTree(base), new MapTree(head), null, null);
    }

    @Test
    void aNewDependencyWarnsAChangedIndexFailsAndDeniedPackagesFail() throws Exception {
        var base = Map.of("requirements.txt", "requests==2.32.3\n");
        var head = Map.of("requirements.txt", "requests==2.32.4\nleft-pad==1.0\n--extra-index-url https://pypi.evil.invalid/simple\n");
        DependencyGate.Analysis a = new DependencyGate(DependencyConfig.DEFAULT).analyse(ctx(base, head, "requirements.txt"));
        assertThat(a.delta().added()).extracting(Dependency::name).containsExactly("left-pad");
        assertThat(a.delta().changed()).singleElement().satisfies(c -> assertThat(c.after().version()).isEqualTo("2.32.4"));
        assertThat(a.result().findings()).extracting(Finding::rule, Finding::level).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("added", Verdict.WARN),
                org.assertj.core.groups.Tuple.tuple("source-change", Verdict.FAIL));
        var strict = new DependencyConfig(null, Verdict.FAIL, null, null, Verdict.WARN, List.of("pypi:left-pad"));
        assertThat(new DependencyGate(strict).analyse(ctx(base, head, "requirements.txt")).result().findings())
                .extracting(Finding::rule).contains("denied");
    }

    @Test
    void aChangeThatTouchesNoManifestHasAnEmptyDeltaButAFullSbom(@TempDir Path tmp) throws Exception {
        var files = Map.of("package.json", "{\"dependencies\":{\"left-pad\":\"1.3.0\"}}", "a.js", "x");
        DependencyGate.Analysis a = new DependencyGate(DependencyConfig.DEFAULT).analyse(ctx(Map.of(), files, "a.js"));
        assertThat(a.delta().isEmpty()).isTrue();
        assertThat(a.head().dependencies()).hasSize(1);
        Path out = tmp.resolve("sbom.cdx.json");
        CycloneDxWriter.write(a.head(), a.delta(), out);
        JsonNode bom = new ObjectMapper().readTree(out.toFile());
        assertThat(bom.get("bomFormat").asText()).isEqualTo("CycloneDX");
        assertThat(bom.get("specVersion").asText()).isEqualTo("1.5");
        assertThat(bom.get("components").get(0).get("purl").asText()).isEqualTo("pkg:npm/left-pad@1.3.0");
    }
}
