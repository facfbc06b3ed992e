package dev.agentsandbox.sandbox.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A daemon's own exec root is found from the container's runsc processes, and only from root's. */
class RunscRootsTest {
    static final String ID = "961dd3337cdd6b7ce5b29aebff2daa30d438bdd796dc1fe3b943fa1a1ce3b3d8";

    static void process(Path proc, String pid, String... args) throws Exception {
        Files.createDirectories(proc.resolve(pid));
        Files.writeString(proc.resolve(pid).resolve("cmdline"), String.join("\0", args) + "\0");
    }

    @Test
    void theRootOfTheContainersRunscProcessIsACandidate(@TempDir Path proc) throws Exception {
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")), "the fake processes must be root's: run as root");
        process(proc, "101", "runsc-sandbox", "--root=/tmp/d1/exec/runtime-runsc/moby", "--log=/tmp/d1/exec/containerd/moby/" + ID + "/log.json", "boot");
        process(proc, "102", "runsc-gofer", "--root", "/tmp/d1/exec/runtime-runsc/moby", "gofer", "--bundle=/x/" + ID);
        process(proc, "103", "runsc-sandbox", "--root=/tmp/other/moby", "--log=/tmp/other/" + "0".repeat(64) + "/log.json");
        process(proc, "104", "bash", "-c", "echo --root=/tmp/fake " + ID);
        process(proc, "105", "runsc-sandbox", "--root=relative/moby", ID);
        Files.createDirectories(proc.resolve("self"));
        assertThat(RunscRoots.ofProcesses(proc, ID)).containsExactly(Path.of("/tmp/d1/exec/runtime-runsc/moby"));
        assertThat(RunscRoots.of(ID)).startsWith(RunscRoots.KNOWN.toArray(Path[]::new));
    }

    @Test
    void aProcessOfAnotherUserNamingTheContainerIsNot(@TempDir Path proc) throws Exception {
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")), "chown needs root");
        process(proc, "201", "runsc-sandbox", "--root=/home/mallory/state", "--log=/x/" + ID + "/log.json");
        assertThat(new ProcessBuilder("chown", "1001", proc.resolve("201").toString()).start().waitFor()).isZero();
        assertThat(RunscRoots.ofProcesses(proc, ID)).isEmpty();
    }
}
