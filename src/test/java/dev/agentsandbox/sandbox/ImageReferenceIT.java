package dev.agentsandbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the CLI: an image reference written as an Engine API path is one path segment. Without
 * the encoding, `GET /images/../../containers/json?all=1#/json` would answer with the daemon's
 * container list, and the run would go on with an image id taken from it.
 */
class ImageReferenceIT {
    @TempDir
    Path tmp;

    @Test
    void anImageReferenceCraftedAsAnApiPathIsAMissingImageAndNothingRuns() throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        var base = repo.head("main");
        for (String crafted : new String[] {"../../containers/json?all=1#", "../../info#"}) {
            Cli r = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", crafted,
                    "--command", "echo hi > /workspace/hi.txt", "--bundle", tmp.resolve("b-" + System.nanoTime()).toString(), "--quiet");
            assertThat(r.exitCode).as(r.toString()).isEqualTo(3);
            assertThat(r.err).contains("image '" + crafted + "' does not exist on this Docker host");
        }
        assertThat(repo.head("main")).isEqualTo(base);
    }
}
