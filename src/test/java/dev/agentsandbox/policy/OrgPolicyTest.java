package dev.agentsandbox.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.config.ConfigLoader;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The organisation's data classes: which class a repository falls in, and which model endpoints and registries that class allows. */
class OrgPolicyTest {
    @TempDir
    Path tmp;

    static final String POLICY = """
            classes:
              internal:
                models: ["https://api.anthropic.com*", "http://127.0.0.1:*", "https://*.openai.azure.com/openai/*"]
                registries: ["registry.example.com:443", "*.pkg.internal:443"]
              restricted:
                models: ["http://127.0.0.1:*"]
                registries: false
                dpa: [anthropic]
            repositories:
              - match: "*github.com/acme/payments*"
                class: restricted
              - match: "*"
                class: internal
            """;

    OrgPolicy policy(String text) throws Exception {
        return OrgPolicy.load(Files.writeString(tmp.resolve("policy.yml"), text));
    }

    static ProxyConfig models(String... urls) {
        return new ProxyConfig(java.util.Arrays.stream(urls).map(u -> new ProxyConfig.Upstream("anthropic", u, List.of(), List.of(), "K", null)).toList(),
                List.of(), null, null, null, null, null);
    }

    @Test
    void theFirstMatchingRuleClassifiesAndTheRepositoryMayRaiseButNeverLower() throws Exception {
        OrgPolicy p = policy(POLICY);
        assertThat(p.classify("https://github.com/acme/payments.git", tmp, null).dataClass().name()).isEqualTo("restricted");
        assertThat(p.classify("https://github.com/acme/web.git", tmp, null).dataClass().name()).isEqualTo("internal");
        assertThat(p.classify("https://github.com/acme/web.git", tmp, "restricted").rule()).contains("raised");
        OrgPolicy.Assignment lowered = p.classify("https://github.com/acme/payments.git", tmp, "internal");
        assertThat(lowered.dataClass().name()).as("a repository cannot lower its class").isEqualTo("restricted");
        assertThatThrownBy(() -> p.classify(null, tmp, "secret")).isInstanceOf(UsageException.class).hasMessageContaining("internal, restricted");
        assertThat(lowered.policySha256()).hasSize(64);
    }

    @Test
    void noMatchingRuleIsARefusalAndABrokenPolicyNamesWhatIsMissing() throws Exception {
        OrgPolicy p = policy("classes: { a: { models: [] } }\nrepositories: [ { match: \"*gitlab*\", class: a } ]\n");
        assertThatThrownBy(() -> p.classify("https://github.com/x/y", tmp, null)).isInstanceOf(RefusedException.class)
                .hasMessageContaining("match: \"*\" for a default");
        assertThatThrownBy(() -> policy("repositories: []\n")).isInstanceOf(UsageException.class).hasMessageContaining("needs classes");
        assertThatThrownBy(() -> policy("classes: { a: {} }\nrepositories: [ { match: x, class: b } ]\n"))
                .hasMessageContaining("repositories[0] needs match and a class defined under classes (have: a)");
        assertThatThrownBy(() -> policy("classes: [\n")).hasMessageContaining("not valid YAML");
    }

    @Test
    void aClassAllowsItsModelsProvidersAndRegistriesAndNothingElse() throws Exception {
        OrgPolicy p = policy(POLICY);
        OrgPolicy.Assignment internal = p.classify("https://github.com/acme/web.git", tmp, null);
        OrgPolicy.Assignment restricted = p.classify("https://github.com/acme/payments.git", tmp, null);
        OrgPolicy.check(internal, models("https://api.anthropic.com", "https://API.Anthropic.com/v1", "http://127.0.0.1:8080",
                "https://acme-eu.openai.azure.com/openai/deployments/gpt"));
        OrgPolicy.check(restricted, models("http://127.0.0.1:4000"));
        assertThatThrownBy(() -> OrgPolicy.check(restricted, models("https://api.anthropic.com")))
                .hasMessageContaining("does not allow the model endpoint https://api.anthropic.com");
        var other = new ProxyConfig(List.of(new ProxyConfig.Upstream("openai", "http://127.0.0.1:4000", List.of(), List.of(), "K", null)),
                List.of(), null, null, null, null, null);
        assertThatThrownBy(() -> OrgPolicy.check(restricted, other)).hasMessageContaining("openai has none on record");
        OrgPolicy.check(internal, registries("registry.example.com:443", "Maven.PKG.internal:443"));
        assertThatThrownBy(() -> OrgPolicy.check(restricted, registries("registry.example.com:443")))
                .hasMessageContaining("does not allow the registry registry.example.com:443; it allows: none");
    }

    static ProxyConfig registries(String... r) {
        return new ProxyConfig(List.of(), List.of(r), null, null, null, null, null);
    }

    /** A class that allows registries allows those it names: a repository's own list is no tunnel to any host. */
    @Test
    void aRegistryTheClassDoesNotNameIsRefusedAndTrueIsNoLongerAnAnswer() throws Exception {
        OrgPolicy.Assignment internal = policy(POLICY).classify("https://github.com/acme/web.git", tmp, null);
        for (String r : List.of("evil.test:443", "registry.example.com:80", "registry.example.com.evil.test:443", "pkg.internal.evil.test:443",
                "x.pkg.internal:80", "evilpkg.internal:443")) {
            assertThatThrownBy(() -> OrgPolicy.check(internal, registries(r))).as(r).isInstanceOf(RefusedException.class);
        }
        assertThatThrownBy(() -> policy("classes: { a: { models: [], registries: true } }\nrepositories: [ { match: \"*\", class: a } ]\n"))
                .isInstanceOf(UsageException.class).hasMessageContaining("list the registries the class allows");
    }

    /** A pattern is read as a URL: its '*' cannot carry the host away, and user info never counts. */
    @Test
    void anEndpointThatOnlyLooksAllowedIsRefused() throws Exception {
        OrgPolicy.Assignment internal = policy(POLICY).classify("https://github.com/acme/web.git", tmp, null);
        for (String url : List.of("https://api.anthropic.com@evil.test/v1", "https://api.anthropic.com.evil.test/v1",
                "https://api.anthropic.comevil.test", "http://127.0.0.1:80@evil.test/", "http://127.0.0.1.evil.test:80/",
                "https://evil.test/.openai.azure.com/openai/x", "https://a.b.openai.azure.com.evil.test/openai/x",
                "https://acme.openai.azure.com/other/x", "https://api.anthropic.com./v1", "https://api.anthropic.community",
                "https://api.anthropic.company/v1", "https://api.anthropic.comx", "https://.openai.azure.com/openai/x")) {
            assertThatThrownBy(() -> OrgPolicy.check(internal, models(url))).as(url).isInstanceOf(RefusedException.class);
        }
    }

    @Test
    void theConfigurationRefusesAnUpstreamUrlThatSaysAnotherHostThanItReaches() throws Exception {
        for (String url : List.of("https://api.anthropic.com@evil.test", "https://api.anthropic.com/v1?x=1", "https://api.anthropic.com#x",
                "ftp://api.anthropic.com", "api.anthropic.com", "https://аpi.anthropic.com", "https://x.openai.azure.com/openai/../evil",
                "https://x.openai.azure.com/openai/%2e%2e/evil", "https://x.openai.azure.com/openai/%2e%2e%2fevil", "https://gw.corp/a//b",
                "https://gw.corp/a;x=1", "https://gw.corp/a/./b")) {
            String yml = "version: 1\nproxy:\n  upstreams:\n    - provider: anthropic\n      url: \"" + url + "\"\n      key-env: K\n";
            assertThatThrownBy(() -> ConfigLoader.load("t.yml", yml.getBytes(StandardCharsets.UTF_8))).as(url)
                    .hasMessageContaining("proxy.upstreams[0].url");
        }
    }

    @Test
    void anAllowSectionAloneIsAPolicyAndItsListsAreChecked() throws Exception {
        OrgPolicy p = policy("""
                allow:
                  images: ["agent-sandbox/*", "registry.example.com/agents/claude@sha256:*"]
                  tiers: [gVisor, microvm]
                  providers: [anthropic]
                """);
        assertThat(p.classifies()).isFalse();
        OrgAllow a = p.allow();
        a.check(List.of("agent-sandbox/claude-code:1", "registry.example.com/agents/claude@sha256:abc"), "gvisor", "kubernetes", List.of("anthropic"));
        assertThatThrownBy(() -> a.check(List.of("agent-sandbox-evil/x"), "gvisor", "docker", List.of()))
                .isInstanceOf(RefusedException.class).hasMessageContaining("image 'agent-sandbox-evil/x'");
        assertThatThrownBy(() -> a.check(List.of("registry.example.com/agents/claude:latest"), "gvisor", "docker", List.of()))
                .isInstanceOf(RefusedException.class).hasMessageContaining("allow.images");
        assertThatThrownBy(() -> a.check(List.of(), "container", "docker", List.of())).hasMessageContaining("tier 'container'");
        assertThatThrownBy(() -> a.check(List.of(), "gvisor", "docker", List.of("openai"))).hasMessageContaining("model provider 'openai'");
        // no allow section: anything
        policy(POLICY).allow().check(List.of("anything:at-all"), "container", "docker", List.of("openai"));
    }

    @Test
    void aMistypedAllowSectionIsRefusedNotIgnored() {
        assertThatThrownBy(() -> policy("allow:\n  image: [\"x/*\"]\n")).isInstanceOf(UsageException.class)
                .hasMessageContaining("allow.image is not a setting");
        assertThatThrownBy(() -> policy("allow:\n  tiers: gvisor\n")).hasMessageContaining("allow.tiers must be a list");
        assertThatThrownBy(() -> policy("allow:\n  images: [\"\"]\n")).hasMessageContaining("empty or non-text");
        assertThatThrownBy(() -> policy("allow: yes\n")).hasMessageContaining("allow must be a map");
    }

    @Test
    void aClassLimitsBedrockToRegionsByItsEndpoint() {
        String eu = "https://bedrock-runtime.eu-*.amazonaws.com";
        assertThat(OrgPolicy.allowsModel(eu, "https://bedrock-runtime.eu-west-1.amazonaws.com")).isTrue();
        assertThat(OrgPolicy.allowsModel(eu, "https://bedrock-runtime.us-east-1.amazonaws.com")).isFalse();
        assertThat(OrgPolicy.allowsModel(eu, "https://bedrock-runtime.eu-west-1.amazonaws.com.evil.test")).isFalse();
        assertThat(OrgPolicy.allowsModel(eu, "https://bedrock-runtime.eu.west-1.amazonaws.com")).isFalse();
    }
}
