package dev.agentsandbox.hitl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.proxy.ScriptedModelServer;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A repository's data class decides where its code may be sent: refused before the agent starts, recorded when allowed. */
class DataClassIT {
    @TempDir
    Path tmp;
    SampleRepo repo;
    ScriptedModelServer model;
    Path policy;

    @BeforeEach
    void setUp() throws Exception {
        repo = SampleRepo.create(tmp);
        model = new ScriptedModelServer();
        policy = Files.writeString(tmp.resolve("org-policy.yml"), """
                classes:
                  public:
                    models: ["*"]
                    registries: ["registry.example.com:443"]
                  restricted:
                    models: ["http://127.0.0.1:*"]
                    registries: false
                    dpa: [anthropic]
                repositories:
                  - match: "*"
                    class: restricted
                """);
    }

    @AfterEach
    void tearDown() {
        model.close();
    }

    Cli run(String modelUrl, String bundle, String... extra) {
        var a = new java.util.ArrayList<>(java.util.List.of("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE,
                "--command", "echo x > x.txt", "--bundle", tmp.resolve(bundle).toString(), "--org-policy", policy.toString(),
                "--model-provider", "anthropic", "--model-url", modelUrl, "--model-key-env", "PATH", "--quiet"));
        a.addAll(java.util.List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    @Test
    void aRestrictedRepositoryCannotReachAPublicModelButCanReachASelfHostedOne() throws Exception {
        Cli refused = run("https://api.anthropic.com", "b1");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(4);
        assertThat(refused.err).contains("data class 'restricted'").contains("repositories[0] (match '*')")
                .contains("does not allow the model endpoint https://api.anthropic.com").contains("http://127.0.0.1:*");
        JsonNode run1 = new ObjectMapper().readTree(tmp.resolve("b1/run.json").toFile());
        assertThat(run1.get("verdict").asText()).isEqualTo("error");
        assertThat(run1.at("/dataClass/class").asText()).isEqualTo("restricted");
        assertThat(Files.readString(tmp.resolve("b1/audit.jsonl"))).doesNotContain("\"stage\":\"agent\"");

        Cli allowed = run(model.url(), "b2");
        assertThat(allowed.exitCode).as(allowed.toString()).isZero();
        JsonNode run2 = new ObjectMapper().readTree(tmp.resolve("b2/run.json").toFile());
        assertThat(run2.at("/dataClass/class").asText()).isEqualTo("restricted");
        assertThat(Files.readString(tmp.resolve("b2/reports/review.html"))).contains("data class").contains("restricted");
        String statement = new String(java.util.Base64.getDecoder().decode(
                new ObjectMapper().readTree(tmp.resolve("b2/attestation/gates.dsse.json").toFile()).get("payload").asText()));
        assertThat(statement).contains("\"dataClass\" : \"restricted\"");
    }

    @Test
    void theRepositoryMayRaiseItsClassButNeverLowerIt() throws Exception {
        Files.writeString(policy, Files.readString(policy).replace("class: restricted", "class: public"));
        Path cfg = Files.writeString(tmp.resolve("cfg.yml"), "version: 1\ndata-class: restricted\n");
        Cli raised = run("https://api.anthropic.com", "b3", "--config", cfg.toString());
        assertThat(raised.exitCode).isEqualTo(4);
        assertThat(raised.err).contains("data class 'restricted' (the repository's data-class (raised))");
        Files.writeString(policy, Files.readString(policy).replace("class: public", "class: restricted"));
        Path lower = Files.writeString(tmp.resolve("cfg2.yml"), "version: 1\ndata-class: public\n");
        Cli notLowered = run("https://api.anthropic.com", "b4", "--config", lower.toString());
        assertThat(notLowered.exitCode).isEqualTo(4);
        assertThat(notLowered.err).contains("data class 'restricted'");
    }

    /** A model URL that only looks like an allowed one: the host it reaches is another; refused before the agent starts. */
    @Test
    void anEndpointDressedAsAnAllowedOneIsRefused() throws Exception {
        String local = model.url().replaceAll("/+$", "");
        var expected = java.util.Map.of(local.replace("127.0.0.1", "127.0.0.1.nip.test"), "does not allow the model endpoint",
                local + ".evil.test", "--model-url must be an http:// or https:// URL with a host",
                local + "@192.0.2.1", "--model-url must not hold user info",
                local + "/v1/../../evil", "--model-url must have a plain path");
        for (var e : expected.entrySet()) {
            Cli r = run(e.getKey(), "b-" + Math.abs(e.getKey().hashCode()));
            assertThat(r.exitCode).as(e.getKey() + "\n" + r).isIn(2, 4);
            assertThat(r.err).as(e.getKey()).contains(e.getValue());
            assertThat(model.received).as("nothing reached the model server").isEmpty();
        }
    }

    /** A repository's own registry list is no tunnel: only the registries its class names may be reached. */
    @Test
    void aRegistryTheClassDoesNotNameIsRefusedBeforeTheAgentStarts() throws Exception {
        Files.writeString(policy, Files.readString(policy).replace("class: restricted", "class: public"));
        Path cfg = Files.writeString(tmp.resolve("reg.yml"), "version: 1\nproxy:\n  registries: [\"evil.test:443\"]\n");
        Cli r = run(model.url(), "b-reg", "--config", cfg.toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(4);
        assertThat(r.err).contains("data class 'public'").contains("does not allow the registry evil.test:443").contains("registry.example.com:443");
        assertThat(Files.readString(tmp.resolve("b-reg/audit.jsonl"))).doesNotContain("\"stage\":\"agent\"");
    }

    @Test
    void anOrganisationAllowListRefusesAnImageATierOrAProviderItDoesNotNameEvenFromTheRepositorysOwnChecks() throws Exception {
        Path allow = Files.writeString(tmp.resolve("allow.yml"), """
                allow:
                  images: ["%s"]
                  tiers: [gvisor]
                  backends: [docker]
                  providers: [openai]
                """.formatted(TestHost.IMAGE));
        // the repository names another image for a check: the pipeline never asked for it, the policy still sees it
        repo.commitFile(".agent-sandbox.yml", """
                version: 1
                checks:
                  tests:
                    image: debian:bookworm-slim
                    command: ["true"]
                """, "a check in another image");
        Cli image = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x > x.txt",
                "--bundle", tmp.resolve("a1").toString(), "--org-policy", allow.toString(), "--quiet");
        assertThat(image.exitCode).as(image.toString()).isEqualTo(4);
        assertThat(image.err).contains("does not allow the image 'debian:bookworm-slim'").contains("allow.images: " + TestHost.IMAGE);
        assertThat(Files.readString(tmp.resolve("a1/audit.jsonl"))).doesNotContain("\"stage\":\"agent\"");

        repo.commitFile(".agent-sandbox.yml", "version: 1\n", "no checks");
        Cli tier = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x > x.txt",
                "--bundle", tmp.resolve("a2").toString(), "--org-policy", allow.toString(), "--tier", "container", "--quiet");
        assertThat(tier.exitCode).as(tier.toString()).isEqualTo(4);
        assertThat(tier.err).contains("does not allow the tier 'container'");

        Cli provider = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x > x.txt",
                "--bundle", tmp.resolve("a3").toString(), "--org-policy", allow.toString(), "--model-provider", "anthropic", "--model-url",
                model.url(), "--model-key-env", "PATH", "--quiet");
        assertThat(provider.exitCode).as(provider.toString()).isEqualTo(4);
        assertThat(provider.err).contains("does not allow the model provider 'anthropic'");

        // a look-alike image name is matched whole, not as a prefix
        Files.writeString(allow, "allow:\n  images: [\"" + TestHost.IMAGE.substring(0, TestHost.IMAGE.indexOf('/') + 1) + "*\"]\n");
        Cli lookalike = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", "evil/" + TestHost.IMAGE,
                "--command", "true", "--bundle", tmp.resolve("a4").toString(), "--org-policy", allow.toString(), "--quiet");
        assertThat(lookalike.exitCode).as(lookalike.toString()).isEqualTo(4);
        assertThat(lookalike.err).contains("does not allow the image 'evil/" + TestHost.IMAGE + "'");

        Cli allowed = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x > x.txt",
                "--bundle", tmp.resolve("a5").toString(), "--org-policy", allow.toString(), "--quiet");
        assertThat(allowed.exitCode).as(allowed.toString()).isZero();
    }

    @Test
    void aClassThatKeepsDataInTheEuRefusesBedrockInAnotherRegionAndVertexElsewhereBeforeAnyCredentialIsFetched() throws Exception {
        Path eu = Files.writeString(tmp.resolve("eu-policy.yml"), """
                classes:
                  eu-only:
                    models: ["https://bedrock-runtime.eu-*.amazonaws.com", "https://europe-*-aiplatform.googleapis.com"]
                repositories:
                  - match: "*"
                    class: eu-only
                """);
        Cli bedrock = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true", "--bundle",
                tmp.resolve("e1").toString(), "--org-policy", eu.toString(), "--model-provider", "bedrock", "--model-region", "us-east-1",
                "--model-role-arn", "arn:aws:iam::123456789012:role/ci", "--quiet");
        assertThat(bedrock.exitCode).as(bedrock.toString()).isEqualTo(4);
        assertThat(bedrock.err).contains("data class 'eu-only'").contains("https://bedrock-runtime.us-east-1.amazonaws.com").contains("(bedrock)");
        assertThat(bedrock.err).as("refused before the CI's token was asked for").doesNotContain("id-token");
        Cli vertex = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true", "--bundle",
                tmp.resolve("e2").toString(), "--org-policy", eu.toString(), "--model-provider", "vertex", "--model-project", "acme-ai",
                "--model-region", "us-east5", "--quiet");
        assertThat(vertex.exitCode).as(vertex.toString()).isEqualTo(4);
        assertThat(vertex.err).contains("https://us-east5-aiplatform.googleapis.com");
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("e2/run.json").toFile());
        assertThat(run.get("verdict").asText()).isEqualTo("error");
        assertThat(Files.readString(tmp.resolve("e2/audit.jsonl"))).doesNotContain("\"stage\":\"agent\"");
    }
}
