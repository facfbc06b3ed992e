package dev.agentsandbox.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.agentsandbox.error.ConfigException;
import dev.agentsandbox.verdict.Verdict;
import dev.agentsandbox.config.Tier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    static RunConfig load(String yaml) throws ConfigException {
        return ConfigLoader.load(".agent-sandbox.yml", yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theCommentedExampleLoadsAndValidatesAgainstThePublishedSchema() throws Exception {
        Path example = Path.of("examples/agent-sandbox.yml");
        RunConfig c = ConfigLoader.load(example);
        assertThat(c.sandbox().tier()).isEqualTo(Tier.GVISOR);
        assertThat(c.sandbox().memoryBytes()).isEqualTo(2L << 30);
        assertThat(c.checks()).extracting(CheckConfig::name).containsExactly("lint", "tests");
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(getClass().getResourceAsStream("/agent-sandbox.schema.json"));
        assertThat(schema.validate(new YAMLMapper().readTree(example.toFile()))).isEmpty();
        assertThat(schema.validate(new YAMLMapper().readTree("sandbx: {}"))).isNotEmpty();
    }

    @Test
    void everyValueMapsOntoTheRecords() throws Exception {
        RunConfig c = load("""
                agent: { image: a:1, command: "run it", identity: { name: Bot, email: b@x.invalid } }
                sandbox: { tier: container, cpus: 1.5, memory: 512m, pids: 64, timeout: 90s, env: { CI: "true" } }
                dependencies: { added: fail, registry-change: warn, denied: [left-pad] }
                merge: { strategy: merge, allow-override: true }
                """);
        assertThat(c.agent().command()).containsExactly("sh", "-c", "run it");
        assertThat(c.agent().name()).isEqualTo("Bot");
        assertThat(c.sandbox().tier()).isEqualTo(Tier.CONTAINER);
        assertThat(dev.agentsandbox.sandbox.Isolation.of(c.sandbox().tier(), c.sandbox().runtime()).runtime()).isEqualTo("runc");
        assertThat(c.sandbox().memoryBytes()).isEqualTo(512L << 20);
        assertThat(c.sandbox().timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.dependencies().added()).isEqualTo(Verdict.FAIL);
        assertThat(c.merge().strategy()).isEqualTo(MergeConfig.Strategy.MERGE);
        assertThat(load("").policy().protectedPaths()).contains(".github/workflows/**", ".agent-sandbox.yml");
    }

    @Test
    void aGatewayUpstreamCarriesItsKeyHeaderAndHeaders() throws Exception {
        RunConfig c = load("""
                proxy:
                  upstreams:
                    - provider: anthropic
                      url: https://llm-gateway.corp.invalid/anthropic
                      key-env: GATEWAY_KEY
                      key-header: x-litellm-api-key
                      key-prefix: "Bearer "
                      headers: { x-team: platform, x-route: eu }
                      header-env: { x-portkey-virtual-key: PORTKEY_VK }
                """);
        var u = c.proxy().upstreams().get(0);
        assertThat(u.keyHeader()).isEqualTo("x-litellm-api-key");
        assertThat(u.keyPrefix()).isEqualTo("Bearer ");
        assertThat(u.headers()).containsExactly(Map.entry("x-team", "platform"), Map.entry("x-route", "eu"));
        assertThat(u.headerEnv()).containsExactly(Map.entry("x-portkey-virtual-key", "PORTKEY_VK"));
        assertThatThrownBy(() -> load("proxy:\n  upstreams:\n    - provider: g\n      url: https://g.invalid\n      headers: { x-n: [1] }\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headers");
        assertThatThrownBy(() -> load("proxy:\n  upstreams:\n    - provider: g\n      url: https://g.invalid\n      key-header: \"x key\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key-header");
    }

    @Test
    void anUnknownKeyNamesTheFileTheLineAndASuggestion() {
        assertThatThrownBy(() -> load("version: 1\nsandbx:\n  tier: gvisor\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(".agent-sandbox.yml:2:1: sandbx: unknown key 'sandbx' (did you mean 'sandbox'?)");
    }

    @Test
    void theSchemaIsTheOneListOfKeysAtEveryDepth() {
        // keys the published schema does not know, three levels down, in maps of user-named entries and in list items
        assertThatThrownBy(() -> load("checks:\n  tests:\n    command: make test\n    juint: reports/*.xml\n"
                + "approval:\n  high:\n    approvers: 2\n    allow-slef: true\nproxy:\n  upstreams:\n    - provider: anthropic\n"
                + "      url: http://127.0.0.1:9\n      key-evn: K\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(".agent-sandbox.yml:4:5: checks.tests.juint: unknown key 'juint' (did you mean 'junit'?)")
                .hasMessageContaining(".agent-sandbox.yml:8:5: approval.high.allow-slef: unknown key 'allow-slef' (did you mean 'allow-self'?)")
                .hasMessageContaining(".agent-sandbox.yml:13:7: proxy.upstreams.0.key-evn: unknown key 'key-evn' (did you mean 'key-env'?)");
    }

    @Test
    void badValuesAreAllReportedWithTheirPlaces() {
        assertThatThrownBy(() -> load("sandbox:\n  memory: lots\n  tier: vm\npolicy:\n  allow-binary: maybe\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("3 problems in .agent-sandbox.yml:\n"
                        + ".agent-sandbox.yml:2:3: sandbox.memory: 'lots' is not a size (use 512m, 2g or a number of bytes)\n"
                        + ".agent-sandbox.yml:3:3: sandbox.tier: unknown tier 'vm': use container, gvisor or microvm\n"
                        + ".agent-sandbox.yml:5:3: policy.allow-binary: 'maybe' is not true or false");
    }

    @Test
    void aYamlSyntaxErrorNamesTheLine() {
        assertThatThrownBy(() -> load("sandbox:\n  tier: [gvisor\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(".agent-sandbox.yml:2:16:").hasMessageContaining("not valid YAML");
    }

    @Test
    void anAliasBombIsRefusedQuickly() {
        String bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> load(bomb)).isInstanceOf(ConfigException.class);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.load(Path.of("/nonexistent/.agent-sandbox.yml")))
                .hasMessage("/nonexistent/.agent-sandbox.yml: configuration file not found");
    }

    @Test
    void sizesAndDurations() {
        assertThat(Sizes.parse("64k")).isEqualTo(65536);
        assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("100")).isEqualTo(100);
        assertThat(Durations.parse("PT30M")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> Durations.parse("0s")).hasMessageContaining("longer than zero");
        assertThat(List.of("1x", "m", "-5m")).allSatisfy(s -> assertThatThrownBy(() -> Sizes.parse(s)).isInstanceOf(IllegalArgumentException.class));
    }
}
