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

    /** Whether a run asks for KVM: by the platform, or by a runtime registered for it (runsc-kvm, or another name ending in -kvm). */
    public static boolean asked(String platform, String runtime) {
        return "kvm".equals(platform) || runtime != null && (runtime.equals(RUNTIME) || runtime.endsWith("-kvm"));
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
        Path dir = null;
        try {
            dir = Files.createTempDirectory("agent-sandbox-kvm-");
            Path log = dir.resolve("runsc.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // `runsc do` writes the caller's environment into a folder under TMPDIR, left there when it is stopped:
            // it gets none of the run's variables, and a folder of the probe's own (sudo keeps its own reduced set)
            String path = pb.environment().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
            pb.environment().clear();
            pb.environment().put("PATH", path);
            pb.environment().put("TMPDIR", dir.toString());
            Process p = pb.start();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy(); // SIGTERM ends a hung runsc (sudo passes it on)
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return "gVisor's KVM platform did not start a sandbox within " + bound.toSeconds() + " s on this host (it hangs under"
                        + " nested virtualization without working KVM)";
            }
            if (p.exitValue() != 0) {
                String out = Files.readString(log, StandardCharsets.UTF_8).strip();
                return "gVisor's KVM platform failed on this host: " + (out.isEmpty() ? "exit " + p.exitValue() : out.lines().reduce((a, b) -> b).orElse(out));
            }
            return null;
        } catch (IOException e) {
            return "cannot start runsc to check KVM: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while checking KVM";
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // what runsc left as root through sudo stays; it holds sudo's reduced environment only
        }
    }

    /** The fix a refusal names. */
    public static String fix() {
        return "use sandbox.platform: systrap (the default), or run on a host where /dev/kvm works (GitHub's hosted Linux runners),"
                + " with runsc registered in /etc/docker/daemon.json as \"" + RUNTIME + "\": runsc's own \"runtimeArgs\" and \"--platform=kvm\"";
    }
}
