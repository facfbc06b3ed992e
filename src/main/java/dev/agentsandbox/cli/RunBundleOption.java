package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --run}: the run bundle a command acts on (approve, reject, merge, verify, checkpoint). */
final class RunBundleOption {
    @Option(names = "--run", required = true, description = "the run's bundle folder (run --bundle)")
    Path dir;

    /** The folder, once it holds a run.json (what it holds is verified by the command itself). */
    Path require() throws UsageException {
        if (!Files.isRegularFile(dir.resolve(Layout.RUN_JSON), LinkOption.NOFOLLOW_LINKS)) {
            throw new UsageException(dir + " is not a run bundle (no " + Layout.RUN_JSON + "): give --run the --bundle folder of a run");
        }
        return dir;
    }
}
