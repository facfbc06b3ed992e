package dev.agentsandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model key is given one way, and the model options are refused without a provider, before anything runs. */
class ModelOptionsTest {
    @Test
    void theKeyIsGivenOneWay(@TempDir Path tmp) {
        Cli r = Cli.run("run", "--repo", tmp.toString(), "--task", "t", "--model-provider", "openai",
                "--model-key-env", "OPENAI_API_KEY", "--model-key-file", tmp.resolve("key").toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("--model-key-env or --model-key-file, not both");
    }

    @Test
    void aKeyFileNeedsAProvider(@TempDir Path tmp) {
        Cli r = Cli.run("run", "--repo", tmp.toString(), "--task", "t", "--model-key-file", tmp.resolve("key").toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("need --model-provider");
    }

    @Test
    void bedrockOptionsAreCheckedBeforeAnythingRuns(@TempDir Path tmp) {
        String[][] cases = {
            {"--model-provider", "bedrock"}, // no region
            {"--model-provider", "bedrock", "--model-region", "US-EAST-1"},
            {"--model-provider", "bedrock", "--model-region", "us-east-1", "--model-key-env", "AWS_SECRET_ACCESS_KEY"},
            {"--model-provider", "bedrock", "--model-region", "us-east-1", "--model-role-arn", "arn:aws:iam::1:role/x"},
            {"--model-provider", "bedrock", "--model-region", "us-east-1", "--model-token-env", "T"},
            {"--model-provider", "anthropic", "--model-region", "us-east-1"},
            {"--model-provider", "bedrock", "--model-region", "us-east-1", "--model-url", "https://bedrock-runtime.us-east-1.amazonaws.com@evil.test"},
            {"--model-provider", "vertex", "--model-region", "us-east5"},
            {"--model-provider", "vertex", "--model-project", "p-123456", "--model-region", "us-east5", "--model-service-account", "a@b"},
            {"--model-provider", "azure"},
            {"--model-provider", "azure", "--model-url", "https://r.openai.azure.com", "--model-tenant-id", "x"},
            {"--model-provider", "azure", "--model-url", "https://r.openai.azure.com", "--model-token-file", "t"},
        };
        String[] said = {"needs --model-region", "needs --model-region", "drop --model-key-env", "is not an IAM role ARN",
            "need --model-role-arn", "are for --model-provider bedrock", "--model-url", "needs --model-project and --model-region",
            "need --model-workload-identity-provider", "needs --model-url", "come together", "need --model-tenant-id"};
        for (int i = 0; i < cases.length; i++) {
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("run", "--repo", tmp.toString(), "--task", "t"));
            a.addAll(java.util.List.of(cases[i]));
            Cli r = Cli.run(a.toArray(String[]::new));
            assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
            assertThat(r.err).contains(said[i]);
        }
    }
}
