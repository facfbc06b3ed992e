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
}
