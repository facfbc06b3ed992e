package dev.agentsandbox.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.config.SandboxConfig;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.sandbox.docker.DockerConnection;
import dev.agentsandbox.sandbox.docker.DockerSandbox;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.OutputListener;
import dev.agentsandbox.sandbox.OverlayUnavailableException;
import dev.agentsandbox.sandbox.SandboxResult;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import dev.agentsandbox.workspace.Folders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks that this host can give the isolation a run asks for, and says how to fix what it
 * cannot. Checks run in order and each later one needs the earlier: no daemon, no runtime check.
 */
public final class Doctor {
    private static final String SETUP = "run scripts/setup-host.sh as root";

    /** Small probes, with the pids limit runs get (gVisor counts its own tasks against it). */
    private static final Limits PROBE_LIMITS = new Limits(0.5, 128L << 20, SandboxConfig.DEFAULT.pids(), 8L << 20,
            Duration.ofSeconds(60), 1 << 16);
    private final Tier tier;
    private final String runtime;
    private final String platform;
    private final String image;
    private final Path scratch;
    private final Path overlayMarker;
    private final long diskBytes;
    private final boolean processLog;

    /**
     * @param tier the tier to check for
     * @param runtime the Docker runtime name of that tier
     * @param image an image to check and to smoke-test with (null: only the runtime is checked)
     * @param scratch where runs keep their workspaces (the overlay is tried there)
     * @param overlayMarker the file by which runs remember that overlays do not work here
     */
    public Doctor(Tier tier, String runtime, String image, Path scratch, Path overlayMarker) {
        this(tier, runtime, image, scratch, overlayMarker, SandboxConfig.DEFAULT.diskBytes(), SandboxConfig.DEFAULT.processLog());
    }

    /**
     * @param diskBytes sandbox.disk of the configuration checked for (0: unlimited)
     * @param processLog sandbox.process-log of that configuration
     */
    public Doctor(Tier tier, String runtime, String image, Path scratch, Path overlayMarker, long diskBytes, boolean processLog) {
        this(tier, runtime, image, scratch, overlayMarker, diskBytes, processLog, "systrap");
    }

    /** @param platform gVisor's platform the run asks for (sandbox.platform): kvm is probed outside Docker first, bounded */
    public Doctor(Tier tier, String runtime, String image, Path scratch, Path overlayMarker, long diskBytes, boolean processLog, String platform) {
        this.platform = platform;
        this.tier = tier;
        this.runtime = runtime;
        this.image = image;
        this.scratch = scratch;
        this.overlayMarker = overlayMarker;
        this.diskBytes = diskBytes;
        this.processLog = processLog;
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.add(diskQuota(diskBytes, scratch));
        if (dev.agentsandbox.sandbox.KvmPlatform.asked(platform, runtime)) {
            // before anything starts a sandbox under Docker: a hung KVM start could not be removed
            String gap = dev.agentsandbox.sandbox.KvmPlatform.gap();
            if (gap != null) {
                checks.add(Check.fail("KVM platform", gap, dev.agentsandbox.sandbox.KvmPlatform.fix()));
                return checks;
            }
            checks.add(Check.ok("KVM platform", "runsc started and ended a sandbox on KVM"));
        }
        DockerConnection connection;
        try {
            connection = DockerConnection.open();
        } catch (AgentSandboxException e) {
            checks.add(Check.fail("docker daemon", e.getMessage(), SETUP + ", or start dockerd, or set DOCKER_HOST"));
            return checks;
        }
        try (DockerSandbox sandbox = connection.sandbox()) {
            JsonNode info = connection.info();
            checks.add(Check.ok("docker daemon", "Docker " + info.path("ServerVersion").asText("?") + " at " + connection.endpoint()));
            checks.add(cgroups(info));
            java.util.Set<String> runtimes = sandbox.host().runtimes();
            if (!runtimes.contains(runtime)) {
                checks.add(Check.fail("runtime " + runtime, "not registered (daemon has: " + String.join(", ", runtimes) + ")",
                        SETUP + ", or add \"" + runtime + "\" under \"runtimes\" in /etc/docker/daemon.json and restart dockerd"));
                return checks;
            }
            checks.add(Check.ok("runtime " + runtime, "registered for tier " + tier.id()));
            if (tier == Tier.GVISOR) {
                checks.add(runscVersion());
            }
            checks.add(services(sandbox, tier, runtime));
            if (image == null) {
                return checks;
            }
            try {
                checks.add(Check.ok("image", image + " (" + sandbox.host().imageId(image) + ")"));
            } catch (AgentSandboxException e) {
                checks.add(Check.fail("image", e.getMessage(), "build or load the image on this host"));
                return checks;
            }
            checks.add(smoke(sandbox));
            if (tier == Tier.GVISOR) {
                checks.add(processLog(sandbox));
            }
            checks.add(overlay(sandbox));
        } catch (AgentSandboxException | RuntimeException e) {
            checks.add(Check.fail("docker daemon", "the daemon failed: " + e.getMessage(), SETUP));
        }
        return checks;
    }

    /**
     * What bounds what a sandbox writes to this host's disk (sandbox.disk): a real disk is made and
     * removed the way a run makes its own, so doctor cannot pass where the run's mount then fails.
     */
    static Check diskQuota(long bytes, Path scratch) {
        if (bytes == 0) {
            return Check.warn("disk quota", "off: sandbox.disk: unlimited, so an agent can fill this host's disk", "");
        }
        String gap = dev.agentsandbox.quota.DiskQuota.gap(bytes);
        if (gap != null) {
            return Check.fail("disk quota", "none: " + gap + "; runs with sandbox.disk (" + dev.agentsandbox.quota.DiskQuota.human(bytes)
                    + ") are refused", "run agent-sandbox as root or give its user passwordless sudo for mount and umount (docs/hosts.md),"
                    + " or set sandbox.disk: unlimited to accept that an agent can fill this host's disk");
        }
        Path dir = null;
        try {
            var quota = dev.agentsandbox.quota.DiskQuota.forLimit(bytes);
            dir = Files.createTempDirectory(Files.createDirectories(scratch), "doctor-disk-");
            try (var disk = quota.create(dir.resolve("disk"), 16L << 20, 0)) {
                Files.writeString(disk.root().resolve("probe"), "probe\n");
            }
            return Check.ok("disk quota", quota.mechanism() + " (a 16 MiB disk was made, written and removed)");
        } catch (AgentSandboxException | IOException e) {
            return Check.fail("disk quota", e.getMessage(), "run scripts/setup-host.sh as root, or see docs/hosts.md");
        } finally {
            if (dir != null) {
                Folders.delete(dir);
            }
        }
    }

    private static Check cgroups(JsonNode info) {
        boolean memory = info.path("MemoryLimit").asBoolean(false);
        String detail = "cgroup " + info.path("CgroupVersion").asText("?") + " (" + info.path("CgroupDriver").asText("?") + "), memory limit "
                + (memory ? "supported" : "NOT supported");
        if (!memory) {
            return Check.fail("cgroups", detail, "enable the memory cgroup controller (kernel cmdline cgroup_enable=memory)");
        }
        return Check.ok("cgroups", detail);
    }

    /** Whether checks with services (checks.NAME.services) can run here: as a run decides it, before its agent starts. */
    private static Check services(DockerSandbox sandbox, Tier tier, String runtime) {
        try {
            return Check.ok("check services", "under " + sandbox.servicesRuntime(tier, runtime));
        } catch (AgentSandboxException e) {
            return Check.warn("check services", "unavailable: runs whose checks name services are refused here",
                    e.getMessage().replaceFirst("^[^:]*: ", ""));
        }
    }

    private static Check runscVersion() {
        try {
            Process p = new ProcessBuilder("runsc", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Check.warn("runsc version", "runsc --version failed: " + out, "reinstall runsc (" + SETUP + ")");
            }
            String first = out.lines().findFirst().orElse(out);
            // Releases before 2023 lose child-process exits under gVisor (Codex CLI hangs after its
            // first command: its shell is a zombie nobody reaps) and need --network=none on new kernels.
            if (first.matches(".*(2019|2020|2021|2022)\\d{4}.*")) {
                return Check.warn("runsc version", first + ": an old release; it loses child-process exits, so agents that"
                        + " run commands (Codex CLI) can hang" + (registeredWithNetworkNone() ? "" : ", and it needs \"runtimeArgs\":"
                        + " [\"--network=none\"] in /etc/docker/daemon.json on recent kernels"), "install a 2024 or newer release:"
                        + " scripts/install-gvisor.sh (or " + SETUP + " on Debian)");
            }
            return Check.ok("runsc version", first);
        } catch (IOException e) {
            return Check.warn("runsc version", "runsc is not on this host's PATH (the daemon may be remote)", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.warn("runsc version", "interrupted", "");
        }
    }

    private static boolean registeredWithNetworkNone() {
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.nio.file.Path.of("/etc/docker/daemon.json").toFile());
            for (var arg : json.path("runtimes").path("runsc").path("runtimeArgs")) {
                if (arg.asText().equals("--network=none")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private Check smoke(DockerSandbox sandbox) {
        String probe = "dmesg 2>/dev/null | head -n 1; id -u";
        SandboxSpec spec = new SandboxSpec("doctor-" + ProcessHandle.current().pid(), "doctor", image, List.of("sh", "-c", probe),
                "/", Map.of(), List.of(), tier, runtime, PROBE_LIMITS, null);
        try {
            SandboxResult r = sandbox.run(spec, OutputListener.NONE);
            String out = r.output().strip();
            if (!r.succeeded()) {
                String fix = out.contains("network enabled in root network namespace")
                        ? "add \"runtimeArgs\": [\"--network=none\"] to runsc in /etc/docker/daemon.json (" + SETUP + ")" : SETUP;
                return Check.fail("sandbox smoke test", "exit " + r.exitCode() + ": " + out, fix);
            }
            if (tier == Tier.GVISOR && !out.contains("gVisor")) {
                return Check.fail("sandbox smoke test", "the kernel inside is not gVisor's: " + out, SETUP);
            }
            if (!out.endsWith("65534")) {
                return Check.fail("sandbox smoke test", "the sandbox does not run as uid 65534: " + out, "report this as a bug");
            }
            return Check.ok("sandbox smoke test", "started under " + runtime + " in " + r.timings().total().toMillis() + " ms, uid 65534"
                    + (tier == Tier.GVISOR ? ", gVisor kernel" : ""));
        } catch (AgentSandboxException e) {
            String msg = e.getMessage();
            String fix = msg.contains("network enabled") ? "add \"runtimeArgs\": [\"--network=none\"] to runsc (" + SETUP + ")" : SETUP;
            return Check.fail("sandbox smoke test", msg, fix);
        }
    }

    /**
     * The process log, attached to a real sandbox the way a run attaches it (the same code, the
     * same privileges): doctor says OK only where a run's trace then works.
     */
    private Check processLog(DockerSandbox sandbox) {
        String name = "process log";
        if (!processLog) {
            return Check.warn(name, "off: sandbox.process-log: false, so the programs the agent runs are not recorded and a"
                    + " policy.processes cannot be checked", "");
        }
        String gap = dev.agentsandbox.sandbox.trace.ProcessTrace.hostGap();
        if (gap != null) {
            return Check.fail(name, gap + "; gVisor runs with sandbox.process-log (on by default) are refused",
                    "run agent-sandbox as root or give its user passwordless sudo for runsc (docs/hosts.md), or set"
                            + " sandbox.process-log: false to run without the record of the agent's programs");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory(Files.createDirectories(scratch), "doctor-trace-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            sandbox.traceProcesses(dir);
            SandboxSpec spec = new SandboxSpec("doctor-" + ProcessHandle.current().pid(), "doctor", image,
                    List.of("sh", "-c", "id -u >/dev/null"), "/", Map.of(), List.of(), tier, runtime, PROBE_LIMITS, null);
            SandboxResult r = sandbox.run(spec, OutputListener.NONE);
            var seen = r.processes();
            if (seen == null || seen.broken() != null || seen.processes().stream().noneMatch(p -> p.argv().contains("id"))) {
                return Check.fail(name, "the trace did not see the probe's program" + (seen == null || seen.broken() == null ? ""
                        : ": " + seen.broken()), "report this with `runsc --version`; sandbox.process-log: false runs without it");
            }
            return Check.ok(name, "attached through " + (dev.agentsandbox.host.Privilege.isRoot() ? "root" : "sudo -n runsc") + "; saw "
                    + seen.processes().size() + " programs of the probe");
        } catch (AgentSandboxException | IOException e) {
            return Check.fail(name, e.getMessage(), "run agent-sandbox as root or with passwordless sudo for runsc (docs/hosts.md),"
                    + " or set sandbox.process-log: false");
        } finally {
            sandbox.traceProcesses(null);
            if (dir != null) {
                Folders.delete(dir);
            }
        }
    }

    /** Whether runs here get copy-on-write workspaces; without, they work on private copies (a warning, not a failure). */
    private Check overlay(DockerSandbox sandbox) {
        String name = "overlay workspace";
        String slower = "runs use private copies of the base tree (slower for large repositories)";
        if (!Mount.overlayCapable(scratch)) {
            return Check.warn(name, "the scratch folder " + scratch + " has ',', ':', '=' or '\\' in its path: " + slower,
                    "set AGENT_SANDBOX_SCRATCH to a plain path");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory(Files.createDirectories(scratch), "doctor-overlay-");
            Path lower = Files.createDirectory(dir.resolve("lower"));
            Path upper = Files.createDirectory(dir.resolve("upper"));
            Path work = Files.createDirectory(dir.resolve("work"));
            Files.writeString(lower.resolve("probe"), "lower\n");
            Files.setPosixFilePermissions(lower.resolve("probe"), PosixFilePermissions.fromString("rw-rw-rw-"));
            Files.setPosixFilePermissions(upper, PosixFilePermissions.fromString("rwxrwxrwx"));
            SandboxSpec spec = new SandboxSpec("doctor-" + ProcessHandle.current().pid(), "overlay", image,
                    List.of("sh", "-c", "cat /workspace/probe && echo upper > /workspace/probe"), "/", Map.of(),
                    List.of(Mount.overlay(lower, upper, work, "/workspace")), tier, runtime,
                    PROBE_LIMITS, null);
            SandboxResult r = sandbox.run(spec, OutputListener.NONE);
            boolean right = r.succeeded() && r.output().contains("lower") && Files.readString(lower.resolve("probe")).equals("lower\n")
                    && Files.exists(upper.resolve("probe")) && Files.readString(upper.resolve("probe")).equals("upper\n");
            if (!right) {
                return Check.fail(name, "the overlay mounted but did not keep writes in its upper folder (exit " + r.exitCode() + ": "
                        + r.output().strip() + ")", "run with AGENT_SANDBOX_WORKSPACE=copy and report this");
            }
            if (Files.exists(overlayMarker)) {
                return Check.warn(name, "works now, but runs remember it as unavailable (" + overlayMarker + ")", "delete " + overlayMarker);
            }
            return Check.ok(name, "copy-on-write workspaces under " + scratch + ": the base tree is written once per base, not per run");
        } catch (OverlayUnavailableException e) {
            return Check.warn(name, e.getMessage() + "; " + slower,
                    "put AGENT_SANDBOX_SCRATCH on a local file system overlayfs can use as upper layer (ext4, xfs, tmpfs)");
        } catch (AgentSandboxException | IOException e) {
            return Check.warn(name, "could not be tried: " + e.getMessage() + "; " + slower, "");
        } finally {
            if (dir != null) {
                Folders.delete(dir);
            }
        }
    }

    public static boolean passed(List<Check> checks) {
        return checks.stream().noneMatch(c -> c.status() == Check.Status.FAIL);
    }
}
