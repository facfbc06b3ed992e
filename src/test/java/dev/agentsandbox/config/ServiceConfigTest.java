package dev.agentsandbox.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentsandbox.error.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** checks.NAME.services as the configuration gives them, and each bad value named with its place. */
class ServiceConfigTest {
    private static final String HEAD = "checks:\n  tests:\n    command: make test\n    services:\n";

    @Test
    void everyKeyMapsOntoTheRecord() throws Exception {
        RunConfig c = ConfigLoaderTest.load(HEAD + """
                      - name: postgres
                        image: local/postgres:16
                        command: ["postgres", "-D", "/tmp/pg"]
                        env: { POSTGRES_DB: app, PORT: 5432 }
                        host-env: { POSTGRES_PASSWORD: SERVICE_DB_PASSWORD }
                        ports: [5432, 5433]
                        health: { command: "pg_isready -h 127.0.0.1", timeout: 2m }
                        cpus: 0.5
                        memory: 512m
                      - { name: redis, image: local/redis, ports: [6379] }
                """);
        List<ServiceConfig> s = c.checks().get(0).services();
        assertThat(s).hasSize(2);
        ServiceConfig pg = s.get(0);
        assertThat(pg.command()).containsExactly("postgres", "-D", "/tmp/pg");
        assertThat(pg.env()).isEqualTo(Map.of("POSTGRES_DB", "app", "PORT", "5432"));
        assertThat(pg.hostEnv()).isEqualTo(Map.of("POSTGRES_PASSWORD", "SERVICE_DB_PASSWORD"));
        assertThat(pg.ports()).containsExactly(5432, 5433);
        assertThat(pg.health()).containsExactly("sh", "-c", "pg_isready -h 127.0.0.1");
        assertThat(pg.healthTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(pg.cpus()).isEqualTo(0.5);
        assertThat(pg.memoryBytes()).isEqualTo(512L << 20);
        ServiceConfig redis = s.get(1);
        assertThat(redis.command()).as("the image's own command").isNull();
        assertThat(redis.health()).isNull();
        assertThat(redis.healthTimeout()).isEqualTo(ServiceConfig.DEFAULT_HEALTH_TIMEOUT);
    }

    @Test
    void badServicesAreRefusedWithTheirPlaces() {
        assertThatThrownBy(() -> ConfigLoaderTest.load(HEAD + """
                      - { name: Postgres, image: x, ports: [5432] }
                      - { name: db, image: x, ports: [0] }
                      - { name: cache, image: x, ports: [6379, 6379] }
                      - { name: db2, image: x }
                      - { name: db3, image: x, ports: [1], host-env: { TOKEN: GITHUB_TOKEN } }
                      - { name: db4, image: x, ports: [1], host-env: { KEY: anthropic_api_key } }
                      - { name: db5, image: x, ports: [1], host-env: { "BAD NAME": X } }
                      - { name: localhost, image: x, ports: [1] }
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("checks.tests.services[0].name: 'Postgres' is not a host name")
                .hasMessageContaining("checks.tests.services[1].ports[0]: '0' is not a TCP port")
                .hasMessageContaining("checks.tests.services[2].ports[1]: '6379' is not a TCP port from 1 to 65535 named once")
                .hasMessageContaining("checks.tests.services[3].ports: needs the TCP ports")
                .hasMessageContaining("checks.tests.services[4].host-env.TOKEN: reads GITHUB_TOKEN: a service reads only host variables named SERVICE_*")
                .hasMessageContaining("set SERVICE_GITHUB_TOKEN in the job")
                .hasMessageContaining("checks.tests.services[5].host-env.KEY: reads anthropic_api_key")
                .hasMessageContaining("services[6].host-env.BAD NAME: must be a variable name")
                .hasMessageContaining("services[7].name: 'localhost'");
    }

    @Test
    void aNameTwiceAndTooManyServicesAreRefused() {
        assertThatThrownBy(() -> ConfigLoaderTest.load(HEAD + """
                      - { name: db, image: x, ports: [1] }
                      - { name: db, image: y, ports: [2] }
                """)).hasMessageContaining("checks.tests.services[1].name: 'db' names a second service of tests");
        assertThatThrownBy(() -> ConfigLoaderTest.load(HEAD + "      - { name: db, image: x, ports: [1], memory: 1k }\n"))
                .hasMessageContaining("checks.tests.services[0].memory: is below 64m");
        assertThatThrownBy(() -> ConfigLoaderTest.load(HEAD + "      - { name: db, image: x, ports: [1], cpus: 100 }\n"))
                .hasMessageContaining("checks.tests.services[0].cpus: '100.0' is not from 0.01 to 64 CPUs");
        StringBuilder nine = new StringBuilder(HEAD);
        for (int i = 0; i < 9; i++) {
            nine.append("      - { name: s").append(i).append(", image: x, ports: [1] }\n");
        }
        assertThatThrownBy(() -> ConfigLoaderTest.load(nine.toString())).hasMessageContaining("at most 8");
    }
}
