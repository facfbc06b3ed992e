package dev.agentsandbox.services;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import dev.agentsandbox.testing.RunnerUser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * checks.NAME.services through the CLI, on real gVisor sandboxes: a real PostgreSQL and a real
 * Redis (Debian's packages, built locally) serve a sample application's tests; a check and a service
 * that try to reach the host find no way out; a service that never gets ready ends the check with
 * a finding, its log kept and its host variable redacted from it.
 */
class CheckServicesIT {
    @TempDir
    Path tmp;

    private static final String POSTGRES = """
              - name: postgres
                image: %s
                command: "initdb -D /tmp/pg -U app --auth=trust >/dev/null && exec postgres -D /tmp/pg -k /tmp -c listen_addresses=127.0.0.1 -p 5432"
                ports: [5432]
                health: { command: "pg_isready -q -h 127.0.0.1 -p 5432 -U app", timeout: 90s }
            """.formatted(TestHost.SERVICES_IMAGE);
    private static final String REDIS = """
              - name: redis
                image: %s
                command: ["redis-server", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"]
                ports: [6379]
            """.formatted(TestHost.SERVICES_IMAGE);

    private static void commit(Path repo, String message) throws Exception {
        try (Git git = Git.open(repo.toFile())) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage(message).setAuthor("Dev", "dev@example.invalid").setCommitter("Dev", "dev@example.invalid").setSign(false).call();
        }
    }

    /** A run whose agent changes README.md, with this configuration, its bundle in b/. */
    private Cli run(SampleRepo repo, Path cfg) {
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x >> README.md",
                "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
    }

    private static JsonNode gate(Path bundle, String name) throws Exception {
        for (JsonNode g : new ObjectMapper().readTree(bundle.resolve("gates.json").toFile())) {
            if (g.path("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name);
    }

    @Test
    void aSampleApplicationsTestsReachARealPostgresqlAndARealRedisByName() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Files.createDirectories(repo.dir.resolve("app"));
        Files.createDirectories(repo.dir.resolve("tests"));
        Files.writeString(repo.dir.resolve("app/__init__.py"), "");
        Files.writeString(repo.dir.resolve("app/store.py"), """
                import psycopg2, redis

                def save(name, value):
                    db = psycopg2.connect(host="postgres", port=5432, user="app", dbname="postgres")
                    with db, db.cursor() as c:
                        c.execute("CREATE TABLE IF NOT EXISTS kv (k text PRIMARY KEY, v text)")
                        c.execute("INSERT INTO kv VALUES (%s, %s) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", (name, value))
                    cache = redis.Redis(host="redis", port=6379)
                    cache.set(name, value)
                    return value

                def load(name):
                    cached = redis.Redis(host="redis", port=6379).get(name)
                    if cached is not None:
                        return cached.decode()
                    db = psycopg2.connect(host="postgres", port=5432, user="app", dbname="postgres")
                    with db, db.cursor() as c:
                        c.execute("SELECT v FROM kv WHERE k = %s", (name,))
                        row = c.fetchone()
                        return row and row[0]
                """);
        Files.writeString(repo.dir.resolve("tests/__init__.py"), "");
        Files.writeString(repo.dir.resolve("tests/test_store.py"), """
                import unittest, psycopg2, redis
                from app import store

                class StoreTest(unittest.TestCase):
                    def test_saved_in_both(self):
                        store.save("colour", "blue")
                        self.assertEqual(redis.Redis(host="redis").get("colour"), b"blue")
                        db = psycopg2.connect(host="postgres", user="app", dbname="postgres")
                        with db, db.cursor() as c:
                            c.execute("SELECT v FROM kv WHERE k = 'colour'")
                            self.assertEqual(c.fetchone()[0], "blue")

                    def test_loads_from_the_database_when_the_cache_is_cold(self):
                        store.save("shape", "round")
                        redis.Redis(host="redis").delete("shape")
                        self.assertEqual(store.load("shape"), "round")
                """);
        commit(repo.dir, "a store on PostgreSQL and Redis");
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                checks:
                  tests:
                    image: %s
                    command: ["python3", "-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"]
                    timeout: 3m
                    services:
                %s%s""".formatted(TestHost.SERVICES_IMAGE, POSTGRES.indent(4), REDIS.indent(4)));
        // the agent adds a test, which must pass against the same services
        String agent = "printf '\\n    def test_counts(self):\\n        redis.Redis(host=\"redis\").incr(\"n\")\\n"
                + "        self.assertEqual(int(redis.Redis(host=\"redis\").get(\"n\")), 1)\\n' >> tests/test_store.py";
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "count", "--image", TestHost.IMAGE, "--command", agent,
                "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
        String log = Files.readString(tmp.resolve("b/reports/checks/tests.log"));
        assertThat(r.exitCode).as(r + "\n" + log).isZero();
        JsonNode tests = gate(tmp.resolve("b"), "tests");
        assertThat(tests.path("verdict").asText()).as(tests.toString()).isEqualTo("pass");
        assertThat(log).contains("Ran 5 tests").contains("OK");
        assertThat(tmp.resolve("b/reports/checks/tests.services/postgres.log")).content().contains("ready to accept connections");
        assertThat(tmp.resolve("b/reports/checks/tests.services/redis.log")).content().contains("Ready to accept connections");
    }

    /** The host's address on Docker's bridge: where a sandbox with a network would find the host. */
    private static InetAddress bridgeAddress() throws Exception {
        NetworkInterface docker0 = NetworkInterface.getByName("docker0");
        assertThat(docker0).as("Docker's default bridge").isNotNull();
        return docker0.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst().orElseThrow();
    }

    @Test
    void aCheckAndItsServiceFindNoWayToTheHostOrAnywhereElse() throws Exception {
        InetAddress bridge = bridgeAddress();
        AtomicInteger reached = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            Thread accept = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (Socket s = listener.accept()) {
                        reached.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
            String target = bridge.getHostAddress() + "\", " + listener.getLocalPort();
            String probe = """
                    import socket
                    def reach(host, port):
                        try:
                            socket.create_connection((host, port), timeout=3).close()
                            return "REACHED"
                        except OSError:
                            return "BLOCKED"
                    interfaces = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:])
                    print("host:", reach("%s), "interfaces:", ",".join(interfaces), flush=True)
                    """.formatted(target);
            SampleRepo repo = SampleRepo.create(tmp);
            Files.writeString(repo.dir.resolve("probe.py"), probe + """
                    s = socket.create_connection(("relay", 7000), timeout=20)
                    said = b""
                    while True:
                        d = s.recv(4096)
                        if not d: break
                        said += d
                    print("service said:", said.decode().strip())
                    """);
            commit(repo.dir, "a probe");
            Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                    version: 1
                    checks:
                      tests:
                        image: %s
                        command: ["python3", "probe.py"]
                        services:
                          - name: relay
                            image: %s
                            command: "printf '%%s' \\"$PROBE\\" > /tmp/probe.py && exec socat TCP-LISTEN:7000,bind=127.0.0.1,fork,reuseaddr 'SYSTEM:python3 /tmp/probe.py'"
                            env: { PROBE: %s }
                            ports: [7000]
                    """.formatted(TestHost.SERVICES_IMAGE, TestHost.SERVICES_IMAGE, new ObjectMapper().writeValueAsString(probe)));
            Cli r = run(repo, cfg);
            String log = Files.readString(tmp.resolve("b/reports/checks/tests.log"));
            assertThat(log).as(r + "\n" + log)
                    .contains("host: BLOCKED interfaces: lo")
                    .contains("service said: host: BLOCKED interfaces: lo");
            assertThat(reached.get()).as("connections the host's listener accepted").isZero();
            assertThat(r.exitCode).as(r.toString()).isZero();
        }
    }

    @Test
    void aServiceThatNeverGetsReadyEndsItsCheckWithAFinding() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                checks:
                  tests:
                    image: %s
                    command: ["sh", "-c", "echo the check ran"]
                    services:
                      - name: stuck
                        image: %s
                        command: "echo starting; exec sleep 600"
                        ports: [5555]
                        health: { timeout: 3s }
                """.formatted(TestHost.SERVICES_IMAGE, TestHost.SERVICES_IMAGE));
        long t0 = System.nanoTime();
        Cli r = run(repo, cfg);
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        JsonNode tests = gate(tmp.resolve("b"), "tests");
        assertThat(tests.path("verdict").asText()).isEqualTo("fail");
        assertThat(tests.toString()).contains("service-unhealthy").contains("stuck").contains("not ready within 3 s");
        assertThat(tests.path("details").path("ending").asText()).isEqualTo("not-run");
        assertThat(tmp.resolve("b/reports/checks/tests.log")).doesNotExist();
        assertThat(tmp.resolve("b/reports/checks/tests.services/stuck.log")).content().contains("starting");
        assertThat(System.nanoTime() - t0).as("the stuck service was stopped, not waited for").isLessThan(120_000_000_000L);
        String runId = new ObjectMapper().readTree(tmp.resolve("b/run.json").toFile()).path("runId").asText();
        Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=dev.agentsandbox.run=" + runId + ".svc0").start();
        assertThat(new String(ps.getInputStream().readAllBytes()).strip()).as("the service's sandbox is gone").isEmpty();
    }

    /** An image without socat: both sides relay with python3 (sandbox/relay.py), through real gVisor sandboxes. */
    @Test
    void imagesWithoutSocatRelayWithPython() throws Exception {
        String image = "agent-sandbox/test-services-nosocat:bookworm";
        Process build = new ProcessBuilder("docker", "build", "-q", "-t", image, "-").redirectErrorStream(true).start();
        build.getOutputStream().write(("FROM " + TestHost.SERVICES_IMAGE + "\nRUN rm /usr/bin/socat\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        build.getOutputStream().close();
        String built = new String(build.getInputStream().readAllBytes());
        assertThat(build.waitFor()).as(built).isZero();
        SampleRepo repo = SampleRepo.create(tmp);
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                checks:
                  tests:
                    image: %s
                    command: ["python3", "-c", "import redis; r = redis.Redis(host='cache'); [r.incr('n') for _ in range(50)]; print('counted', int(r.get('n')), 'socat' if __import__('shutil').which('socat') else 'no socat')"]
                    services:
                      - name: cache
                        image: %s
                        command: ["redis-server", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"]
                        ports: [6379]
                """.formatted(image, image));
        Cli r = run(repo, cfg);
        String log = Files.readString(tmp.resolve("b/reports/checks/tests.log"));
        assertThat(r.exitCode).as(r + "\n" + log).isZero();
        assertThat(log).contains("counted 50 no socat");
    }

    /**
     * As each runner's own user, through bin/agent-sandbox and the packaged jar: a GitHub-hosted
     * runner's uid 1001 with sudo, a GitLab shell runner's docker-group user without it (which turns
     * off by name the two controls that need root), a Jenkins agent's with sudo for three tools.
     */
    @ParameterizedTest
    @EnumSource(RunnerUser.class)
    void aCheckWithAServiceRunsAsTheRunnersUser(RunnerUser user) throws Exception {
        user.requirePresent();
        Path root = user.newFolder("services");
        try {
            SampleRepo repo = SampleRepo.create(root);
            String controls = user == RunnerUser.NO_SUDO ? "sandbox: { disk: unlimited, process-log: false }\n" : "";
            Path cfg = Files.writeString(root.resolve("cfg.yml"), "version: 1\n" + controls + """
                    checks:
                      tests:
                        image: %s
                        command: ["python3", "-c", "import redis; assert redis.Redis(host='cache').ping(); print('pong from', redis.Redis(host='cache').get('who').decode())"]
                        services:
                          - name: cache
                            image: %s
                            command: "redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir /tmp & until redis-cli set who \\"$WHO\\" >/dev/null 2>&1; do sleep 0.1; done; wait"
                            host-env: { WHO: SERVICE_OWNER }
                            ports: [6379]
                    """.formatted(TestHost.SERVICES_IMAGE, TestHost.SERVICES_IMAGE));
            user.own(root);
            String cli = Path.of("bin/agent-sandbox").toAbsolutePath().toString();
            Map<String, String> env = Map.of("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"), "SERVICE_OWNER", "owner-" + user.name);
            var doctor = user.exec(List.of(cli, "doctor", "--image", TestHost.IMAGE, "--config", cfg.toString()), root, env);
            assertThat(doctor.out()).containsPattern("OK +check services +under runsc-services");
            var run = user.exec(List.of(cli, "run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE,
                    "--command", "echo x >> README.md", "--config", cfg.toString(), "--bundle", root.resolve("b").toString(), "--quiet"), root, env);
            String log = Files.readString(root.resolve("b/reports/checks/tests.log"));
            assertThat(run.exitCode()).as(run.out() + "\n" + log).isZero();
            assertThat(log).contains("pong from [redacted: host-env]");
        } finally {
            RunnerUser.remove(root);
        }
    }

    /**
     * The check can make a service run programs (a database's COPY ... FROM PROGRAM; here a relay
     * that runs one per connection): they are on the record, and a denied one fails the check.
     */
    @Test
    void whatACheckMakesAServiceRunIsRecordedAndJudgedByTheDenyList() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                policy:
                  processes:
                    deny: [perl]
                checks:
                  tests:
                    image: %s
                    command: ["python3", "-c", "import socket; print('said', socket.create_connection(('relay', 7000)).makefile().read())"]
                    services:
                      - name: relay
                        image: %s
                        command: ["socat", "TCP-LISTEN:7000,bind=127.0.0.1,fork,reuseaddr", "SYSTEM:perl -e 'print 42'"]
                        ports: [7000]
                """.formatted(TestHost.SERVICES_IMAGE, TestHost.SERVICES_IMAGE));
        Cli r = run(repo, cfg);
        // whether perl printed before the policy stopped its sandbox is a race: that the check ran is what counts
        assertThat(Files.readString(tmp.resolve("b/reports/checks/tests.log"))).as(r.toString()).contains("said");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        JsonNode tests = gate(tmp.resolve("b"), "tests");
        assertThat(tests.path("verdict").asText()).isEqualTo("fail");
        assertThat(tests.toString()).contains("process-policy").contains("service relay of tests ran perl");
        assertThat(Files.readString(tmp.resolve("b/audit.jsonl"))).contains("tests/service relay");
    }

    @Test
    void aHostVariableThatIsNotSetIsRefusedBeforeTheAgentStarts() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Cli r = Cli.run(runWithPassword(repo, "SERVICE_IT_UNSET_VARIABLE_X").toArray(String[]::new));
        assertThat(r.exitCode).as(r.toString()).isNotIn(0, 1);
        assertThat(r.err).contains("SERVICE_IT_UNSET_VARIABLE_X");
    }

    /**
     * host-env reads only host variables named SERVICE_*: a job's GITHUB_TOKEN (set here for the CLI,
     * as a runner sets it) is never handed to a service, whose check could read it back. Through the
     * CLI, before the agent starts; the token appears in no output.
     */
    @Test
    void aServiceCannotBeGivenAHostVariableOutsideServiceStar() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String token = "ghs_" + "T".repeat(36);
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of("bin/agent-sandbox").toAbsolutePath().toString()));
        cmd.addAll(runWithPassword(repo, "GITHUB_TOKEN"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));
        pb.environment().put("GITHUB_TOKEN", token);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isNotIn(0, 1);
        assertThat(out).contains("GITHUB_TOKEN").contains("SERVICE_").doesNotContain(token);
        assertThat(repo.dir.resolve("agent-ran")).doesNotExist();
        assertThat(org.eclipse.jgit.api.Git.open(repo.dir.toFile()).branchList().call()).noneMatch(b -> b.getName().contains("agent/"));
    }

    /** The arguments of a run whose check has a service given PASSWORD from the host variable {@code variable}. */
    private List<String> runWithPassword(SampleRepo repo, String variable) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), """
                version: 1
                checks:
                  tests:
                    command: "true"
                    services:
                      - { name: db, image: %s, command: "sleep 60", ports: [5432], host-env: { PASSWORD: %s } }
                """.formatted(TestHost.SERVICES_IMAGE, variable));
        return List.of("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "touch agent-ran",
                "--config", cfg.toString(), "--bundle", tmp.resolve("b").toString());
    }
}
