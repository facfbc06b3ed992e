package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Bundles;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of a real agent CLI (an image built from its recipe by scripts/build-test-agents.sh) through
 * the gate, against the scripted model server, with the provider's default allow-list
 * ({@code --model-provider}); and the checks every agent must pass.
 */
record RealAgent(Cli cli, SampleRepo repo, Path bundle, ScriptedModelServer model) {
    static final String SECRET_PART = "RealAgentNeverSeesIt";

    static RealAgent run(Path tmp, ScriptedModelServer model, String key, String image, String provider, String command,
            String... extra) throws Exception {
        return runWith(tmp, "sandbox: { timeout: 120s }", model, key, image, provider, command, extra);
    }

    /**
     * A real agent through a cloud upstream, whose stand-ins answer with the scripted session: the CI
     * token in a file, the upstream as {@link #bedrock} or {@link #azure} writes it, no key.
     */
    static RealAgent cloud(Path tmp, String upstream, String image, String command) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path bundle = tmp.resolve("bundle");
        Path config = Files.writeString(tmp.resolve("agent-sandbox.yml"), "sandbox: { timeout: 180s }\nproxy:\n  upstreams:\n" + upstream);
        Cli cli = Cli.run("run", "--repo", repo.dir.toString(), "--task", "Write NOTES.md", "--image", image, "--command", command,
                "--bundle", bundle.toString(), "--config", config.toString());
        return new RealAgent(cli, repo, bundle, null);
    }

    /** A Bedrock upstream at the AWS stand-ins, the role taken with a GitHub-like token file. */
    static String bedrock(Path tmp, AwsStandIns aws) throws Exception {
        Path token = Files.writeString(tmp.resolve("oidc.jwt"), AwsStandIns.jwt("repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com",
                9_999_999_999L));
        return """
                    - provider: bedrock
                      url: %s
                      aws: { region: us-east-1, role-arn: "%s", token-file: "%s", sts-endpoint: "%s" }
                """.formatted(aws.url(), AwsStandIns.ROLE, token, aws.url());
    }

    /** A Vertex AI upstream at the Google stand-ins, the service account taken through workload identity with a token file. */
    static String vertex(Path tmp, GcpStandIns gcp) throws Exception {
        Path token = Files.writeString(tmp.resolve("oidc.jwt"), AwsStandIns.jwt("repo:acme/app:ref:refs/heads/main",
                "https://iam.googleapis.com/" + GcpStandIns.PROVIDER, 9_999_999_999L));
        return """
                    - provider: vertex
                      url: %s
                      gcp: { project: %s, region: %s, workload-identity-provider: "%s", service-account: "%s", token-file: "%s",
                             sts-endpoint: "%s/v1/token", iam-endpoint: "%s" }
                """.formatted(gcp.vertexUrl(), GcpStandIns.PROJECT, GcpStandIns.REGION, GcpStandIns.PROVIDER, GcpStandIns.SERVICE_ACCOUNT, token,
                gcp.googleUrl(), gcp.googleUrl());
    }

    /** An Azure OpenAI upstream at the Azure stand-ins, the Entra token taken with a federated token file. */
    static String azure(Path tmp, AzureStandIns az) throws Exception {
        Path token = Files.writeString(tmp.resolve("oidc.jwt"), AwsStandIns.jwt("repo:acme/app:environment:prod", "api://AzureADTokenExchange",
                9_999_999_999L));
        return """
                    - provider: azure
                      url: %s
                      azure: { tenant-id: %s, client-id: %s, token-file: "%s", authority-host: "%s" }
                """.formatted(az.resource(), AzureStandIns.TENANT, AzureStandIns.CLIENT, token, az.authority());
    }

    /** @param config the run's configuration (give it a short sandbox timeout: a hung agent should fail the test fast) */
    static RealAgent runWith(Path tmp, String config, ScriptedModelServer model, String key, String image, String provider, String command,
            String... extra) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path keyFile = Files.writeString(tmp.resolve("key"), key);
        Path bundle = tmp.resolve("bundle");
        List<String> args = new ArrayList<>(List.of("run", "--repo", repo.dir.toString(), "--task", "Write NOTES.md", "--image", image,
                "--command", command, "--model-provider", provider, "--model-url", model.url(), "--model-key-file", keyFile.toString(),
                "--bundle", bundle.toString(),
                "--config", Files.writeString(tmp.resolve("agent-sandbox.yml"), config).toString()));
        args.addAll(List.of(extra));
        return new RealAgent(Cli.run(args.toArray(String[]::new)), repo, bundle, model);
    }

    /** The agent wrote the file with its tool; the key reached only the upstream; the change was gated; the call is on the record. */
    void assertWroteTheFileAndNeverSawTheKey(String header, String expectedHeaderValue, String toolResultMarker, String tool) throws Exception {
        assertThat(cli.exitCode).as(cli.toString()).isZero();
        assertThat(model.received).isNotEmpty();
        assertThat(model.received).allSatisfy(req -> assertThat(req.headers().get(header)).containsExactly(expectedHeaderValue));
        assertThat(model.received.stream().anyMatch(req -> req.body().contains(toolResultMarker)))
                .as("the tool ran and its result went back to the model").isTrue();
        assertThat(repo.fileAt(Bundles.headCommit(bundle), "NOTES.md")).isEqualTo(model.toolContent + "\n");
        assertThat(cli.all()).doesNotContain(SECRET_PART);
        Bundles.assertNowhere(bundle, SECRET_PART);
        assertThat(Files.readString(bundle.resolve("audit.jsonl"))).contains("\"event\":\"request\"")
                .as("the model's tool call is on the record").contains("\"type\":\"tool-call\"").contains("\"name\":\"" + tool + "\"");
    }
}
