package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The host's Unix sockets served to a sandbox (the model proxy's): found in its folders, relayed into its pod, closed with the run. */
final class SocketRelays {
    static final Duration RELAY_START = Duration.ofSeconds(30);

    private SocketRelays() {
    }

    /** The Unix sockets directly in each mounted folder (the model proxy's): each is relayed into the pod, never copied. */
    static Map<Integer, List<String>> sockets(SandboxSpec spec) throws InfrastructureException {
        Map<Integer, List<String>> found = new LinkedHashMap<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            try (Stream<Path> s = Files.list(spec.mounts().get(i).hostPath())) {
                List<String> names = new ArrayList<>();
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (TarTransfer.isSocket(p)) {
                        names.add(p.getFileName().toString());
                    }
                }
                if (!names.isEmpty()) {
                    found.put(i, List.copyOf(names));
                }
            } catch (IOException e) {
                throw new InfrastructureException("cannot read " + spec.mounts().get(i).hostPath() + ": " + e.getMessage(), e);
            }
        }
        return found;
    }

    /**
     * Each socket served to the sandbox gets a relay in the keeper, which shares the socket's
     * volume (read-only for the sandbox): its bytes cross the exec API, the host's socket stays here.
     */
    static void relay(PodFiles files, PodWatch watch, String name, SandboxSpec spec, Map<Integer, List<String>> sockets, List<SocketRelay> relays)
            throws InfrastructureException, InterruptedException {
        if (sockets.isEmpty()) {
            return;
        }
        watch.awaitRunning(name, PodSpecs.KEEPER, false);
        for (var e : sockets.entrySet()) {
            Mount m = spec.mounts().get(e.getKey());
            for (String socket : e.getValue()) {
                try {
                    SocketRelay r = files.relay(name, PodSpecs.KEEPER, PodSpecs.staging(e.getKey()) + "/" + socket, m.hostPath().resolve(socket));
                    relays.add(r);
                    r.awaitReady(RELAY_START);
                } catch (IOException ex) {
                    throw new InfrastructureException("cannot relay " + m.containerPath() + "/" + socket + " (the model proxy) into the"
                            + " sandbox's pod: " + ex.getMessage() + "; nothing is committed", ex);
                }
            }
        }
    }

    static void closeAll(List<SocketRelay> relays) {
        for (SocketRelay r : relays) {
            r.close();
        }
        relays.clear();
    }
}
