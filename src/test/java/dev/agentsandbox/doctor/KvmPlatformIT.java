package dev.agentsandbox.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.sandbox.Labels;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.Leftovers;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sandbox.platform: kvm. Whether KVM works here is asked of runsc itself by the test (bounded), and
 * doctor and run must agree with it. Where it hangs (this machine: nested virtualization), both
 * refuse within seconds, with the same reason and the fix, before any sandbox starts: a hung KVM
 * start under Docker could not even be removed.
 */
class KvmPlatformIT {
    static boolean kvmWorks() throws Exception {
        if (!Files.exists(Path.of("/dev/kvm"))) {
            return false;
        }
        // runsc do leaves its folder (with the caller's environment) under TMPDIR when stopped: a folder of its own, no variables
        Path dir = Files.createTempDirectory("kvm-oracle-");
        ProcessBuilder pb = new ProcessBuilder("runsc", "--platform=kvm", "--network=none", "do", "true").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().put("TMPDIR", dir.toString());
        Process p = pb.start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroy();
                p.waitFor(5, TimeUnit.SECONDS);
                return false;
            }
            return p.exitValue() == 0;
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        }
    }

    @Test
    void doctorAndRunAgreeWithRunscAndAHangIsRefusedWithinSeconds(@TempDir Path tmp) throws Exception {
        boolean works = kvmWorks();
        SampleRepo repo = SampleRepo.create(tmp);
        ObjectId mainBefore = repo.head("main");
        Path config = Files.writeString(tmp.resolve("kvm.yml"), Files.readString(repo.dir.resolve(".agent-sandbox.yml"))
                .replace("\nsandbox:\n", "\nsandbox:\n  platform: kvm\n"));

        Instant t0 = Instant.now();
        Cli doctor = Cli.run("doctor", "--image", TestHost.IMAGE, "--config", config.toString());
        Duration doctorTook = Duration.between(t0, Instant.now());
        t0 = Instant.now();
        Cli run = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "echo x >> calc.py",
                "--config", config.toString(), "--bundle", tmp.resolve("b").toString(), "--quiet");
        Duration runTook = Duration.between(t0, Instant.now());
        if (works) {
            assertThat(doctor.out).as(doctor.toString()).containsPattern("OK +KVM platform");
            return; // a host with KVM (GitHub's runners): the rest is the runtime's registration, which doctor checks next
        }
        assertThat(doctor.exitCode).as(doctor.toString()).isEqualTo(3);
        assertThat(doctor.out).containsPattern("FAIL +KVM platform").contains("sandbox.platform: systrap");
        assertThat(doctorTook).as("doctor ends within seconds where KVM hangs").isLessThan(Duration.ofSeconds(40));
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(run.err).contains("sandbox.platform: kvm").contains("sandbox.platform: systrap");
        String reason = doctor.out.lines().filter(l -> l.contains("KVM platform") && l.startsWith("FAIL")).findFirst().orElseThrow()
                .replaceFirst("FAIL +KVM platform +", "").strip();
        assertThat(run.err).as("run and doctor say the same").contains(reason);
        assertThat(runTook).isLessThan(Duration.ofSeconds(40));
        assertThat(Leftovers.containers(Labels.CREATOR_PID, Long.toString(ProcessHandle.current().pid()))).as("no sandbox started").isEmpty();
        assertThat(repo.head("main")).isEqualTo(mainBefore);
        assertThat(tmp.resolve("b/change.patch")).doesNotExist();
    }

    /** The KVM runtime named directly (no platform) is probed all the same, by doctor and by run. */
    @Test
    void theKvmRuntimeNamedDirectlyIsProbedToo(@TempDir Path tmp) throws Exception {
        if (kvmWorks()) {
            return;
        }
        SampleRepo repo = SampleRepo.create(tmp);
        Path config = Files.writeString(tmp.resolve("rt.yml"), "sandbox: { runtime: runsc-kvm, disk: unlimited, process-log: false }\n");
        Cli doctor = Cli.run("doctor", "--config", config.toString());
        assertThat(doctor.out).as(doctor.toString()).containsPattern("FAIL +KVM platform");
        Cli run = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--runtime", "runsc-kvm", "--bundle", tmp.resolve("b").toString(), "--quiet");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(run.err).contains("did not start a sandbox within");
        assertThat(Leftovers.containers(Labels.CREATOR_PID, Long.toString(ProcessHandle.current().pid()))).isEmpty();
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(left.map(p -> p.getFileName().toString())).as("the probe leaves no folder of runsc do's (it holds an environment)")
                    .noneMatch(n -> n.startsWith("agent-sandbox-kvm-"));
        }
    }

    @Test
    void kvmIsAPlatformOfGvisorOnly(@TempDir Path tmp) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp);
        Path config = Files.writeString(tmp.resolve("c.yml"), "sandbox: { tier: container, platform: kvm }\n");
        Cli run = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--config", config.toString(), "--bundle", tmp.resolve("b").toString(), "--quiet");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("sandbox.platform: kvm is a platform of gVisor, and the tier is container");
        Cli bad = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true",
                "--config", Files.writeString(tmp.resolve("d.yml"), "sandbox: { platform: ptrace }\n").toString(), "--bundle", tmp.resolve("c").toString());
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.err).contains("sandbox.platform");
        Cli k8s = Cli.run("run", "--repo", repo.dir.toString(), "--task", "x", "--image", TestHost.IMAGE, "--command", "true", "--backend", "kubernetes",
                "--config", Files.writeString(tmp.resolve("k.yml"), "sandbox: { platform: kvm }\n").toString(), "--bundle", tmp.resolve("k").toString());
        assertThat(k8s.exitCode).as(k8s.toString()).isEqualTo(2);
        if (k8s.exitCode == 2) {
            assertThat(k8s.err).contains("sandbox.platform: kvm is for the Docker backend");
        }
    }
}
