package dev.agentsandbox.sandbox.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link PodFiles} over the exec API, as {@code kubectl cp} does: {@code tar} runs in the
 * container (the image's own), the stream crosses the API server's websocket. Only the loader
 * and the keeper are ever exec'd into, never the sandbox's own container.
 */
final class ExecPodFiles implements PodFiles {
    private static final Duration EXEC_TIMEOUT = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final String namespace;

    ExecPodFiles(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    private ContainerResource container(String pod, String container) {
        return client.pods().inNamespace(namespace).withName(pod).inContainer(container);
    }

    @Override
    public void upload(String pod, String container, Path from, String dir) throws IOException, InterruptedException {
        long length = TarTransfer.length(from);
        ByteArrayOutputStream err = new Capped();
        try (ExecWatch w = container(pod, container).redirectingInput().writingError(err).exec(uploadCommand(length, dir).toArray(String[]::new))) {
            try (OutputStream in = w.getInput()) {
                TarTransfer.write(from, in, length);
            }
            await(w, err, "tar -x into " + pod + "/" + container + ":" + dir);
        }
    }

    /**
     * The upload ends by length, not at the end of its input: exec over {@code v4.channel.k8s.io}
     * cannot close the command's stdin, and BusyBox tar (Alpine images) reads to its end where GNU tar
     * stops at the archive's end marker. {@code head -c} takes exactly the archive, then tar sees its end.
     */
    static List<String> uploadCommand(long length, String dir) {
        return List.of("sh", "-c", "head -c \"$1\" | tar -x -f - -C \"$2\"", "agent-sandbox-upload", Long.toString(length), dir);
    }

    @Override
    public void download(String pod, String container, String dir, Path to, long maxBytes, int maxEntries) throws IOException, InterruptedException {
        ByteArrayOutputStream err = new Capped();
        try (ExecWatch w = container(pod, container).redirectingOutput().writingError(err).exec("tar", "-c", "-f", "-", "-C", dir, ".")) {
            try (InputStream out = w.getOutput()) {
                TarTransfer.extract(out, to, maxBytes, maxEntries);
                // tar's zero blocks after the end marker; more than that is not tar's
                if (out.readNBytes(64 * 1024).length == 64 * 1024) {
                    throw new TarTransfer.Refused("more data after the end of the tar stream");
                }
            }
            await(w, err, "tar -c of " + pod + "/" + container + ":" + dir);
        }
    }

    @Override
    public java.util.Set<String> environmentNames(String pod, String container) throws IOException, InterruptedException {
        return new java.util.TreeSet<>(lines(pod, container, ENV_NAMES, "listing the environment of", "[A-Za-z_][A-Za-z0-9_]{0,255}"));
    }

    @Override
    public java.util.List<String> interfaces(String pod, String container) throws IOException, InterruptedException {
        return lines(pod, container, INTERFACES, "listing the network interfaces of", "[A-Za-z0-9_.@-]{1,64}");
    }

    /** The lines a shell script prints in the container that are of the expected shape (anything else is the image's noise). */
    private java.util.List<String> lines(String pod, String container, String script, String what, String shape)
            throws IOException, InterruptedException {
        ByteArrayOutputStream out = new Capped();
        ByteArrayOutputStream err = new Capped();
        try (ExecWatch w = container(pod, container).writingOutput(out).writingError(err).exec("sh", "-c", script)) {
            await(w, err, what + " " + pod + "/" + container);
        }
        return java.util.Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n")).map(String::strip).filter(l -> l.matches(shape)).toList();
    }

    static final String INTERFACES = "while read -r l; do case \"$l\" in *:*) n=${l%%:*}; echo \"${n##* }\";; esac; done < /proc/net/dev";

    @Override
    public String egressReached(String pod, String container) throws IOException, InterruptedException {
        ByteArrayOutputStream out = new Capped();
        ByteArrayOutputStream err = new Capped();
        try (ExecWatch w = container(pod, container).writingOutput(out).writingError(err).exec("sh", "-c", EGRESS)) {
            Integer code = w.exitCode().get(30, TimeUnit.SECONDS);
            if (code != null && code == 97) {
                throw new IOException("the image has no python3 to try the network with");
            }
            return code != null && code == 0 ? out.toString(StandardCharsets.UTF_8).strip() : null;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("could not try the network from " + pod + "/" + container + ": " + e.getMessage(), e);
        }
    }

    /** Exit 0 and the address when a connection to the API server's service opened; 1 when none did; 97 without python3. */
    static final String EGRESS = "command -v python3 >/dev/null 2>&1 || exit 97; exec python3 -c '"
            + "import os, socket, sys\n"
            + "h, p = os.environ.get(\"KUBERNETES_SERVICE_HOST\"), os.environ.get(\"KUBERNETES_SERVICE_PORT\", \"443\")\n"
            + "if not h: sys.exit(1)\n"
            + "try:\n    socket.create_connection((h, int(p)), 3).close()\nexcept OSError:\n    sys.exit(1)\n"
            + "print(h + \":\" + p)'";

    /** Names only, from shell builtins (dash prints "export NAME=...", bash "declare -x NAME=..."): no value leaves the pod. */
    static final String ENV_NAMES = "export -p | while read -r e kv; do case \"$e\" in export|declare) kv=${kv#-x }; echo \"${kv%%=*}\";; esac; done";

    @Override
    public void touch(String pod, String container, String path) throws IOException, InterruptedException {
        ByteArrayOutputStream err = new Capped();
        try (ExecWatch w = container(pod, container).writingError(err).exec("touch", path)) {
            await(w, err, "touch " + path + " in " + pod + "/" + container);
        }
    }

    @Override
    public SocketRelay relay(String pod, String container, String socket, Path hostSocket) throws IOException {
        ByteArrayOutputStream err = new Capped();
        ExecWatch w = container(pod, container).redirectingInput().redirectingOutput().writingError(err)
                .exec("sh", "-c", RELAY, "agent-sandbox-relay", SocketRelay.SCRIPT, socket);
        return new SocketRelay(w.getOutput(), w.getInput(), hostSocket, () -> err.toString(StandardCharsets.UTF_8), w);
    }

    /** python3 from the image runs the relay; an image without it is named rather than left to fail later. */
    static final String RELAY = "command -v python3 >/dev/null 2>&1 || { echo 'the image has no python3, which relays the model"
            + " proxy socket into the pod on the kubernetes backend: add python3 to the image' >&2; exit 97; }; exec python3 -u -c \"$1\" \"$2\"";

    /** A command's stderr, kept to its first 64 KiB: what a pod prints there is the pod's to choose. */
    private static final class Capped extends ByteArrayOutputStream {
        static final int MAX = 64 * 1024;

        @Override
        public synchronized void write(int b) {
            if (count < MAX) {
                super.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, Math.max(0, Math.min(len, MAX - count)));
        }
    }

    private static void await(ExecWatch w, ByteArrayOutputStream err, String what) throws IOException, InterruptedException {
        Integer code;
        try {
            code = w.exitCode().get(EXEC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + " did not end within " + EXEC_TIMEOUT.toMinutes() + " minutes", e);
        }
        if (code == null || code != 0) {
            // null: the API server sent no status, so nothing says the stream was whole
            // stderr names files the agent chose: made visible text, one line, bounded
            throw new IOException(what + (code == null ? " ended without an exit status" : " exited " + code) + ": "
                    + dev.agentsandbox.console.SafeText.line(err.toString(StandardCharsets.UTF_8).strip(), 2000));
        }
    }
}
