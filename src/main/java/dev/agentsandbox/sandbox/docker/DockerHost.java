package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.config.Tier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.InfrastructureException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What the Docker host gives, checked the same way by every run and by {@code doctor}: its runtimes and its local images. */
public final class DockerHost {
    private final DockerApi api;

    DockerHost(DockerApi api) {
        this.api = api;
    }

    /** The runtimes registered with the daemon. */
    public Set<String> runtimes() throws InfrastructureException {
        Set<String> runtimes = new TreeSet<>();
        info().path("Runtimes").fieldNames().forEachRemaining(runtimes::add);
        return runtimes;
    }

    private JsonNode info() throws InfrastructureException {
        try {
            return api.get("/info");
        } catch (DockerApi.Refused e) {
            throw new InfrastructureException("cannot ask the Docker daemon for its runtimes: " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    /** Fails unless the daemon has this runtime: asking for gVisor never silently gets runc. */
    public void requireRuntime(String runtime, Tier tier) throws InfrastructureException {
        Set<String> runtimes = runtimes();
        if (!runtimes.contains(runtime)) {
            throw new InfrastructureException("runtime '" + runtime + "' (tier " + tier.id() + ") is not registered with the Docker daemon"
                    + " (it has: " + (runtimes.isEmpty() ? "none" : String.join(", ", runtimes)) + "): "
                    + "run scripts/setup-host.sh or add it to /etc/docker/daemon.json and restart dockerd."
                    + " agent-sandbox never falls back to a weaker runtime.");
        }
    }

    /**
     * The runtime a check's services run under. gVisor's is runsc registered a second time with
     * {@code --host-uds=create}: a service binds its sockets in a folder the check's sandbox
     * mounts, the only way between the two, since neither has a network. The agent's runtime never
     * gets that permission.
     */
    public String servicesRuntime(Tier tier, String runtime) throws InfrastructureException {
        return switch (tier) {
            case CONTAINER -> "runc";
            case MICROVM -> throw new InfrastructureException("checks.*.services cannot run under the microvm tier: a VM cannot share a"
                    + " socket with another; use the gvisor tier for checks with services, or drop the services");
            case GVISOR -> {
                String services = (runtime.endsWith("-kvm") ? runtime.substring(0, runtime.length() - 4) : runtime) + SERVICES_SUFFIX;
                String fix = "run scripts/install-gvisor.sh as root (or with sudo)"
                        + (runtime.startsWith("runsc") ? "" : " with AGENT_SANDBOX_GVISOR_RUNTIME=" + runtime.replaceFirst("-kvm$", ""))
                        + " to register it, or drop the check's services. Services never run without gVisor";
                JsonNode all = info().path("Runtimes");
                JsonNode svc = all.path(services);
                if (svc.isMissingNode()) {
                    throw new InfrastructureException("checks.*.services need the Docker runtime '" + services + "' (runsc with --network=none"
                            + " --host-uds=create), which this daemon does not have: " + fix);
                }
                // the name proves nothing: the same runsc as the check's, with no network, allowed to bind sockets and no more
                List<String> args = new ArrayList<>();
                svc.path("runtimeArgs").forEach(a -> args.add(a.asText()));
                String path = svc.path("path").asText("");
                String checkPath = all.path(runtime).path("path").asText("");
                if (!sameProgram(path, checkPath) || !"none".equals(lastFlag(args, "network")) || !"create".equals(lastFlag(args, "host-uds"))) {
                    throw new InfrastructureException("the Docker runtime '" + services + "' is " + path + " " + String.join(" ", args)
                            + ", not the check's runsc (" + checkPath + ") with --network=none --host-uds=create: " + fix);
                }
                yield services;
            }
        };
    }

    /** The value runsc takes for a flag: the last of --F=V, -F=V, --F V or -F V. */
    static String lastFlag(List<String> args, String flag) {
        String value = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i).replaceFirst("^--?", "-");
            if (a.startsWith("-" + flag + "=")) {
                value = a.substring(flag.length() + 2);
            } else if (a.equals("-" + flag) && i + 1 < args.size()) {
                value = args.get(++i);
            }
        }
        return value;
    }

    /** Whether two runtime paths are one program: the same text, or, on this host, the same file (links and a bare name on PATH resolved). */
    static boolean sameProgram(String a, String b) {
        if (a.equals(b)) {
            return !a.isEmpty();
        }
        java.nio.file.Path x = resolve(a);
        java.nio.file.Path y = resolve(b);
        return x != null && x.equals(y);
    }

    private static java.nio.file.Path resolve(String program) {
        try {
            if (!program.contains("/")) {
                for (String dir : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")) {
                    java.nio.file.Path p = java.nio.file.Path.of(dir, program);
                    if (java.nio.file.Files.isExecutable(p)) {
                        return p.toRealPath();
                    }
                }
                return null;
            }
            return java.nio.file.Path.of(program).toRealPath();
        } catch (java.io.IOException | RuntimeException e) {
            return null; // not on this host (a remote daemon): only the same text is the same program
        }
    }

    /** The name suffix of the services' runtime beside a gVisor runtime (runsc-services). */
    public static final String SERVICES_SUFFIX = "-services";

    /** What an image runs by default: its entrypoint, then its command (empty: neither). */
    public List<String> imageCommand(String image) throws InfrastructureException {
        imageId(image);
        try {
            JsonNode config = api.get("/images/" + DockerApi.segment(image) + "/json").path("Config");
            List<String> argv = new ArrayList<>();
            config.path("Entrypoint").forEach(x -> argv.add(x.asText()));
            config.path("Cmd").forEach(x -> argv.add(x.asText()));
            return argv;
        } catch (DockerApi.Refused e) {
            throw new InfrastructureException("cannot inspect image '" + image + "': " + DockerSandbox.firstLine(e.getMessage()), e);
        }
    }

    /** The content digest of a local image; nothing is pulled (images are the operator's choice). */
    public String imageId(String image) throws InfrastructureException {
        try {
            String id = api.get("/images/" + DockerApi.segment(image) + "/json").path("Id").asText("");
            if (id.isEmpty()) {
                throw new InfrastructureException("the Docker daemon gave no id for image '" + image + "'");
            }
            return id;
        } catch (DockerApi.Refused e) {
            if (e.notFound()) {
                throw new InfrastructureException("image '" + image + "' does not exist on this Docker host;"
                        + " agent-sandbox never pulls: build or load it first (docker build / docker load / docker import)");
            }
            throw new InfrastructureException("cannot inspect image '" + image + "': " + DockerSandbox.firstLine(e.getMessage()), e);
        } catch (IllegalArgumentException e) {
            throw new InfrastructureException("image '" + image + "' is not an image reference: name a local image (NAME[:TAG] or an id)");
        }
    }
}
