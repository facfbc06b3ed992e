package dev.agentsandbox.sandbox;

import dev.agentsandbox.host.Privilege;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gVisor's KVM platform (sandbox.platform: kvm): faster system calls where /dev/kvm works, as on
 * GitHub's hosted Linux runners. Under nested virtualization it may hang instead of failing, and a
 * container whose start hangs cannot be removed through Docker (the daemon holds it), so whether
 * it works is asked of runsc itself first, outside Docker, in a probe that is stopped after a few
 * seconds. {@code doctor} and {@code run} ask the same probe and say the same words.
 */
public final class KvmPlatform {
    /** The Docker runtime that runs runsc on the KVM platform ("runtimeArgs": ["--platform=kvm", …]). */
    public static final String RUNTIME = "runsc-kvm";
    static final Duration PROBE = Duration.ofSeconds(10);

    private KvmPlatform() {
    }

    /** Why this host cannot run gVisor on KVM, or null when a sandbox started and ended there within the probe's time. */
    public static String gap() {
        return gap(Path.of("/dev/kvm"), PROBE);
    }

    static String gap(Path device, Duration bound) {
        if (!Files.exists(device)) {
            return "this host has no " + device + " (a VM without nested virtualization, or a container without the device)";
        }
        Path runsc = Privilege.find("runsc");
        if (runsc == null) {
            return "runsc is not on this host's PATH";
        }
        List<String> asRoot = Privilege.asRoot(runsc);
        if (asRoot == null) {
            return "checking that KVM works needs runsc as root (" + Privilege.whyNot(runsc) + ")";
        }
        List<String> cmd = new ArrayList<>(asRoot);
        cmd.addAll(List.of("--platform=kvm", "--network=none", "do", "true"));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy(); // SIGTERM ends a hung runsc (sudo passes it on); nothing is left behind
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return "gVisor's KVM platform did not start a sandbox within " + bound.toSeconds() + " s on this host (it hangs under"
                        + " nested virtualization without working KVM)";
            }
            String out = new String(p.getInputStream().readNBytes(2048), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                return "gVisor's KVM platform failed on this host: " + (out.isEmpty() ? "exit " + p.exitValue() : out.lines().reduce((a, b) -> b).orElse(out));
            }
            return null;
        } catch (IOException e) {
            return "cannot start runsc to check KVM: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while checking KVM";
        }
    }

    /** The fix a refusal names. */
    public static String fix() {
        return "use sandbox.platform: systrap (the default), or run on a host where /dev/kvm works (GitHub's hosted Linux runners),"
                + " with runsc registered in /etc/docker/daemon.json as \"" + RUNTIME + "\": runsc's own \"runtimeArgs\" and \"--platform=kvm\"";
    }
}
