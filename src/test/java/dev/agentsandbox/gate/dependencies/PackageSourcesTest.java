package dev.agentsandbox.gate.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every way a repository can name where packages come from, and the manifests of the other ecosystems. */
class PackageSourcesTest {
    static Inventory inventory(Map<String, String> files) throws Exception {
        return SbomBuilder.inventory(new DependencyGateTest.MapTree(files));
    }

    @Test
    void pipOptionsInEveryFormAndIncludesFollowedInsideTheRepository() throws Exception {
        Inventory i = inventory(Map.of(
                "requirements.txt", "requests==2.31.0\n-ihttps://attached.invalid/simple\n--index-url=https://equals.invalid/simple\n"
                        + "--extra-index-url https://spaced.invalid/simple\n-f https://links.invalid/\n-r deps/extra.in\n-c ../../etc/constraints.txt\n"
                        + "--weird-option x\n",
                "deps/extra.in", "--extra-index-url https://nested.invalid/simple\nleftpad-py==1.0\n-r more.txt\n",
                "deps/more.txt", "deeper==2\n"));
        assertThat(i.dependencies()).extracting(Dependency::name).contains("requests", "leftpad-py", "deeper");
        assertThat(String.join("\n", i.sources())).contains("attached.invalid", "equals.invalid", "spaced.invalid", "links.invalid",
                "nested.invalid", "leaves the repository", "--weird-option");
        assertThat(i.files()).contains("deps/extra.in", "deps/more.txt");
    }

    @Test
    void sourceSettingFilesAreRead() throws Exception {
        Inventory i = inventory(Map.of(
                "pip.conf", "[global]\nindex-url = https://pipconf.invalid/simple\n",
                ".yarnrc.yml", "npmRegistryServer: \"https://yarnberry.invalid\"\nnpmScopes:\n  corp:\n    npmRegistryServer: https://scoped.invalid\n",
                ".yarnrc", "registry \"https://yarnv1.invalid\"\n",
                ".mvn/settings.xml", "<settings><mirrors><mirror><url>https://mirror.invalid/m2</url></mirror></mirrors></settings>",
                ".cargo/config.toml", "[source.crates-io]\nreplace-with = \"evil\"\n[source.evil]\nregistry = \"https://cargo.invalid/index\"\n",
                "go.env", "GOPROXY=https://goproxy.invalid,direct\nGOFLAGS=-mod=mod\n",
                "build.gradle.kts", "repositories { maven(\"https://gradle.invalid/m2\") }\ndependencies { implementation(\"com.x:lib:1.0\") }\n"));
        assertThat(String.join("\n", i.sources())).contains("pipconf.invalid", "yarnberry.invalid", "scoped.invalid", "yarnv1.invalid",
                "mirror.invalid", "cargo.invalid", "goproxy.invalid", "GOFLAGS=-mod=mod", "gradle.invalid");
        assertThat(i.dependencies()).extracting(Dependency::key).contains("maven:com.x:lib");
    }

    @Test
    void moreManifestsAndLocksAreInTheInventory() throws Exception {
        Inventory i = inventory(Map.of(
                "Cargo.toml", "[package]\nname = \"app\"\n[dependencies]\nserde = \"1.0\"\nevil = { git = \"https://git.invalid/evil\" }\n",
                "Cargo.lock", "[[package]]\nname = \"serde\"\nversion = \"1.0.1\"\n[[package]]\nname = \"patched\"\nversion = \"0.1.0\"\nsource = \"git+https://git.invalid/patched#abc\"\n",
                "Gemfile", "source \"https://gems.invalid\"\ngem \"rails\", \"7.1\"\ngem \"evil\", git: \"https://git.invalid/gem\"\n",
                "Gemfile.lock", "GEM\n  remote: https://gems.invalid/\n  specs:\n    rails (7.1.0)\n",
                "composer.json", "{\"require\": {\"monolog/monolog\": \"^3\"}, \"repositories\": [{\"type\": \"vcs\", \"url\": \"https://vcs.invalid/x\"}]}",
                "yarn.lock", "\"left-pad@^1.3.0\":\n  version \"1.3.0\"\n  resolved \"https://yarnreg.invalid/left-pad/-/left-pad-1.3.0.tgz\"\n",
                "Pipfile", "[[source]]\nurl = \"https://pipfile.invalid/simple\"\n[packages]\nflask = \"*\"\n",
                "poetry.lock", "[[package]]\nname = \"Django\"\nversion = \"5.0\"\n[package.source]\ntype = \"url\"\nurl = \"https://poetry.invalid/django.whl\"\n",
                "pyproject.toml", "[project]\nname = \"x\"\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"https://uvindex.invalid/simple\"\n",
                "setup.py", "setup(install_requires=['numpy>=1.26', \"pandas\"])\n"));
        assertThat(i.dependencies()).extracting(Dependency::key).contains("cargo:serde", "cargo:evil", "gem:rails", "gem:evil",
                "composer:monolog/monolog", "npm:left-pad", "pypi:flask", "pypi:django", "pypi:numpy", "pypi:pandas");
        assertThat(String.join("\n", i.sources())).contains("git.invalid/evil", "gems.invalid", "git.invalid/gem", "vcs.invalid",
                "yarnreg.invalid", "pipfile.invalid", "poetry.invalid", "git.invalid/patched", "uvindex.invalid");
        assertThat(new Dependency("composer", "monolog/monolog", "3.0", "composer.json").purl()).isEqualTo("pkg:composer/monolog/monolog@3.0");
    }

    @Test
    void anIncludedFileChangedAloneStillMakesADelta() throws Exception {
        var base = new DependencyGateTest.MapTree(Map.of("requirements.txt", "-r deps/extra.in\n", "deps/extra.in", "a==1\n"));
        var head = new DependencyGateTest.MapTree(Map.of("requirements.txt", "-r deps/extra.in\n", "deps/extra.in", "a==1\nb==2\n"));
        var change = new dev.agentsandbox.change.ChangeSet(List.of(new dev.agentsandbox.change.FileChange("deps/extra.in",
                dev.agentsandbox.change.FileChange.Kind.MODIFIED, 0100644, 0100644, false, 10, List.of(), 0)));
        var r = new DependencyGate(dev.agentsandbox.config.DependencyConfig.DEFAULT)
                .analyse(new dev.agentsandbox.gate.GateContext(change, base, head, null, null));
        assertThat(r.delta().added()).extracting(Dependency::name).containsExactly("b");
        List<String> unused = new ArrayList<>();
        Set<String> s = new HashSet<>();
        Manifests.requirements("r.txt", "x==1", new ArrayList<>(), s, unused);
        assertThat("x".getBytes(StandardCharsets.UTF_8)).isNotEmpty();
    }
}
