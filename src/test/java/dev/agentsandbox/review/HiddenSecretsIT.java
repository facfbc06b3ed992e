package dev.agentsandbox.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Bundles;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token the agent hides in base64 and in a file name, through the CLI: the secrets gate fails the
 * run, and neither form reaches the bundle (both passed, and the name was copied into change.patch).
 */
class HiddenSecretsIT {
    static final String TOKEN = "ghp_" + "Qw3rTy7uI9oP1aS3dF5gH7jK9lZ1xC3vB5nM";

    @TempDir
    Path tmp;

    @Test
    void aTokenInBase64AndInAFileNameFailsTheRunAndStaysOutOfTheBundle() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        String b64 = Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.US_ASCII));
        Path bundle = tmp.resolve("bundle");
        Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "add config", "--image", TestHost.IMAGE, "--bundle", bundle.toString(),
                "--command", "printf 'T = \"" + b64 + "\"\\n' > settings.py; echo x > " + TOKEN + ".txt", "--quiet");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        String gates = Files.readString(bundle.resolve("gates.json"));
        assertThat(gates).contains("base64-encoded").contains("in a file name");
        Bundles.assertNowhere(bundle, TOKEN);
        Bundles.assertNowhere(bundle, b64);
    }
}
