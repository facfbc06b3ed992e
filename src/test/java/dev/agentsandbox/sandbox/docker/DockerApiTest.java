package dev.agentsandbox.sandbox.docker;

import dev.agentsandbox.sandbox.Labels;

import dev.agentsandbox.config.Tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.transport.DockerHttpClient;
import dev.agentsandbox.error.InfrastructureException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Engine API calls without a daemon: paths as sent, answers and refusals as the daemon gives them. */
class DockerApiTest {
    /** Answers every request with one status and body, and keeps the paths asked for. */
    private static final class Daemon implements DockerHttpClient {
        final List<String> paths = new ArrayList<>();
        private final int status;
        private final String body;

        Daemon(int status, String body) {
            this.status = status;
            this.body = body;
        }

        @Override
        public Response execute(Request request) {
            paths.add(request.method() + " " + request.path());
            return new Response() {
                @Override
                public int getStatusCode() {
                    return status;
                }

                @Override
                public Map<String, List<String>> getHeaders() {
                    return Map.of();
                }

                @Override
                public InputStream getBody() {
                    return new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anImageReferenceIsOnePathSegmentWhateverItHolds() throws Exception {
        Daemon d = new Daemon(200, "{\"Id\":\"sha256:abc\"}");
        DockerHost host = new DockerHost(new DockerApi(d));
        assertThat(host.imageId("agent-sandbox/test-base:bookworm")).isEqualTo("sha256:abc");
        // a crafted reference cannot climb to another endpoint: its slashes and dots stay inside the segment
        host.imageId("../../containers/victim");
        host.imageId("x/json?all=1#");
        assertThat(d.paths).containsExactly(
                "GET /images/agent-sandbox%2Ftest-base%3Abookworm/json",
                "GET /images/..%2F..%2Fcontainers%2Fvictim/json",
                "GET /images/x%2Fjson%3Fall%3D1%23/json");
        for (String p : d.paths) {
            assertThat(p.substring(4).split("/")).containsExactly("", "images", p.split("/")[2], "json");
        }
    }

    @Test
    void aReferenceThatIsOnlyDotsIsRefusedBeforeAnyCall() {
        Daemon d = new Daemon(200, "{}");
        DockerHost host = new DockerHost(new DockerApi(d));
        for (String bad : List.of("..", ".", "")) {
            assertThatThrownBy(() -> host.imageId(bad)).isInstanceOf(InfrastructureException.class)
                    .hasMessageContaining("is not an image reference");
        }
        assertThat(d.paths).isEmpty();
    }

    @Test
    void aMissingImageIsNeverPulledAndTheDaemonsOwnMessageIsKept() {
        assertThatThrownBy(() -> new DockerHost(new DockerApi(new Daemon(404, "{\"message\":\"No such image: x\"}"))).imageId("x"))
                .hasMessageContaining("does not exist on this Docker host").hasMessageContaining("never pulls");
        assertThatThrownBy(() -> new DockerHost(new DockerApi(new Daemon(500, "{\"message\":\"disk on fire\\nsecond line\"}"))).imageId("x"))
                .hasMessage("cannot inspect image 'x': Status 500: disk on fire");
        assertThatThrownBy(() -> new DockerHost(new DockerApi(new Daemon(502, "bad gateway"))).imageId("x"))
                .hasMessage("cannot inspect image 'x': Status 502: bad gateway");
    }

    @Test
    void aRuntimeTheDaemonLacksIsRefusedNeverReplaced() throws Exception {
        DockerHost host = new DockerHost(new DockerApi(new Daemon(200, "{\"Runtimes\":{\"runc\":{\"path\":\"runc\"},\"io.containerd.runc.v2\":{}}}")));
        assertThat(host.runtimes()).containsExactly("io.containerd.runc.v2", "runc");
        assertThatThrownBy(() -> host.requireRuntime("runsc", Tier.GVISOR))
                .hasMessageContaining("runtime 'runsc' (tier gvisor) is not registered").hasMessageContaining("never falls back");
        assertThat(new DockerHost(new DockerApi(new Daemon(200, "{}"))).runtimes()).isEmpty();
    }

    @Test
    void anApiVersionPinnedForDockerJavaPrefixesEveryPathAsItsOwnCallsDo() throws Exception {
        Daemon d = new Daemon(200, "{\"Runtimes\":{}}");
        new DockerHost(new DockerApi(d, "/v1.41")).runtimes();
        assertThat(d.paths).containsExactly("GET /v1.41/info");
    }

    @Test
    void labelFiltersAreEncodedJson() {
        String f = DockerApi.labelFilter(Labels.RUN, "r 1&x=y");
        assertThat(f).startsWith("filters=").doesNotContain("&").doesNotContain(" ");
        assertThat(URLDecoder.decode(f.substring("filters=".length()), StandardCharsets.UTF_8))
                .isEqualTo("{\"label\":[\"" + Labels.RUN + "=r 1&x=y\"]}");
    }
}
