package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads into a pod whose image has BusyBox tar (Alpine), over exec on v4.channel.k8s.io, which
 * cannot close the command's stdin. Stood in for by the real BusyBox (setup-host installs it) with a
 * stdin that is never closed: plain tar waits forever (the ten-minute hang), the upload's command
 * ends by length.
 */
class BusyBoxUploadTest {
    @TempDir
    Path tmp;
    Path bin;
    Path from;

    @BeforeEach
    void busybox() throws Exception {
        Path busybox = Path.of("/usr/bin/busybox");
        assertThat(busybox).as("BusyBox is installed by scripts/setup-host.sh").isExecutable();
        bin = Files.createDirectories(tmp.resolve("bin"));
        for (String applet : List.of("sh", "head", "tar")) {
            Files.createSymbolicLink(bin.resolve(applet), busybox);
        }
        from = Files.createDirectories(tmp.resolve("from/sub"));
        Files.writeString(from.resolve("a.txt"), "hello\n");
        Files.write(from.getParent().resolve("big.bin"), new byte[300_000]);
        from = from.getParent();
    }

    Process start(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        return pb.start();
    }

    @Test
    void theUploadEndsByLengthWithStdinStillOpen() throws Exception {
        Path to = Files.createDirectories(tmp.resolve("to"));
        long length = TarTransfer.length(from);
        Process p = start(ExecPodFiles.uploadCommand(length, to.toString()));
        OutputStream in = p.getOutputStream();
        TarTransfer.write(from, in, length);
        in.flush(); // never closed, as over v4.channel.k8s.io
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("ended without end of input").isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        assertThat(Files.readString(to.resolve("sub/a.txt"))).isEqualTo("hello\n");
        assertThat(Files.size(to.resolve("big.bin"))).isEqualTo(300_000);
        in.close();
    }

    /** The stand-in is faithful: BusyBox tar alone reads to the end of its input, which never comes. */
    @Test
    void plainBusyBoxTarWaitsForAnEndOfInputThatNeverComes() throws Exception {
        Path to = Files.createDirectories(tmp.resolve("to"));
        Process p = start(List.of("tar", "-x", "-f", "-", "-C", to.toString()));
        OutputStream in = p.getOutputStream();
        TarTransfer.write(from, in);
        in.flush();
        assertThat(p.waitFor(3, TimeUnit.SECONDS)).as("BusyBox tar still reading").isFalse();
        in.close();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFolderThatChangesWhileSentFailsTheUpload() throws Exception {
        long length = TarTransfer.length(from);
        Files.writeString(from.resolve("late.txt"), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TarTransfer.write(from, OutputStream.nullOutputStream(), length))
                .hasMessageContaining("changed while it was sent");
    }
}
