package dev.agentsandbox.sandbox;

import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A backend opened on a thread of its own, with the sweep of what killed runs left behind, so
 * that both overlap the run's preparation (repository, configuration, bundle) instead of
 * preceding it. Every call waits for the opening; a failed opening fails the first call that
 * needs the backend, with the same error.
 */
public final class BackgroundOpen implements SandboxBackend {
    /** Opens a backend; may fail with the reason the host cannot give one. */
    @FunctionalInterface
    public interface Opener {
        SandboxBackend open() throws AgentSandboxException;
    }

    private record Opened(SandboxBackend backend, int orphans) {
    }

    private final String kind;
    private final CompletableFuture<Opened> opening = new CompletableFuture<>();
    private boolean swept;

    private BackgroundOpen(String kind) {
        this.kind = kind;
    }

    /** Starts opening the backend, and then sweeping the orphans of dead runs ({@code cleanup(false)}). */
    public static BackgroundOpen start(String kind, Opener opener) {
        BackgroundOpen b = new BackgroundOpen(kind);
        Thread t = new Thread(() -> {
            SandboxBackend backend = null;
            Throwable failure = null;
            try {
                backend = opener.open();
                b.opening.complete(new Opened(backend, backend.cleanup(false)));
            } catch (AgentSandboxException | Error e) {
                failure = e;
            } catch (RuntimeException e) {
                // a malformed DOCKER_HOST, a daemon gone between two calls: an infrastructure error the run records
                failure = new InfrastructureException("cannot open the " + kind + " backend: " + e.getMessage(), e);
            } finally {
                if (failure != null) {
                    try {
                        if (backend != null) {
                            backend.close();
                        }
                    } catch (RuntimeException | Error e) {
                        failure.addSuppressed(e);
                    } finally {
                        b.opening.completeExceptionally(failure);
                    }
                }
            }
        }, "agent-sandbox-open");
        t.setDaemon(true);
        t.start();
        return b;
    }

    private Opened opened() throws AgentSandboxException {
        try {
            return opening.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while connecting to the " + kind + " backend", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof AgentSandboxException a) {
                throw a;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) c;
        }
    }

    /** The open backend, or null when opening failed (the calls that can report it do). */
    private SandboxBackend openedOrNull() {
        try {
            return opening.join().backend();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public SandboxResult run(SandboxSpec spec, OutputListener output) throws AgentSandboxException {
        return opened().backend().run(spec, output);
    }

    @Override
    public String servicesRuntime(dev.agentsandbox.config.Tier tier, String runtime) throws AgentSandboxException {
        return opened().backend().servicesRuntime(tier, runtime);
    }

    @Override
    public java.util.List<String> imageCommand(String image) throws AgentSandboxException {
        return opened().backend().imageCommand(image);
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public void traceProcesses(Path dir) {
        SandboxBackend b = openedOrNull();
        if (b != null) {
            b.traceProcesses(dir);
        }
    }

    @Override
    public void onExec(Consumer<dev.agentsandbox.sandbox.trace.ProcessRecord> onExec) {
        SandboxBackend b = openedOrNull();
        if (b != null) {
            b.onExec(onExec);
        }
    }

    @Override
    public void stop(String runId) throws AgentSandboxException {
        opened().backend().stop(runId);
    }

    /** The first sweep of dead runs' sandboxes was made when the backend opened: it returns that count. */
    @Override
    public synchronized int cleanup(boolean all) throws AgentSandboxException {
        Opened o = opened();
        if (!all && !swept) {
            swept = true;
            return o.orphans();
        }
        return o.backend().cleanup(all);
    }

    @Override
    public void close() {
        SandboxBackend b = openedOrNull();
        if (b != null) {
            b.close();
        }
    }
}
