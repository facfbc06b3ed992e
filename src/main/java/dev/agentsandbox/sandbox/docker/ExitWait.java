package dev.agentsandbox.sandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.error.InfrastructureException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The Engine API's wait for a container's exit, bounded by the sandbox's timeout. */
final class ExitWait {
    private ExitWait() {
    }

    /** @return the container's exit status; null: the timeout came first (the container still runs) */
    static Integer await(DockerApi api, String id, Duration timeout) throws InfrastructureException, InterruptedException {
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        // The call blocks until the container exits; after a timeout it ends when the caller kills the container.
        Thread t = new Thread(() -> {
            try {
                answer.complete(api.post("/containers/" + DockerApi.segment(id) + "/wait", null));
            } catch (Throwable e) {
                answer.completeExceptionally(e);
            }
        }, "agent-sandbox-wait-" + id.substring(0, Math.min(12, id.length())));
        t.setDaemon(true);
        t.start();
        try {
            JsonNode r = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.path("StatusCode").canConvertToInt()) {
                throw new InfrastructureException("the Docker daemon's wait for the sandbox gave no exit status: " + r);
            }
            return r.path("StatusCode").asInt();
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DockerApi.Refused r && r.notFound()) {
                throw new InfrastructureException("the sandbox's container was removed from outside the run while it ran (`agent-sandbox"
                        + " cleanup --all` or `docker rm -f` by another job?); nothing is committed. Run it again", r);
            }
            Throwable why = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw new InfrastructureException("lost the Docker daemon while the sandbox ran: " + DockerSandbox.firstLine(why.getMessage())
                    + " (was dockerd restarted? `agent-sandbox cleanup` removes what is left)", why);
        }
    }
}
