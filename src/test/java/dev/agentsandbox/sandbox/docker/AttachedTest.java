package dev.agentsandbox.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The attach stream's frames, as a daemon sends them and as a broken or hostile stream would. */
class AttachedTest {
    record Piece(int stream, String text) {
    }

    static byte[] frame(int stream, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) stream, 0, 0, 0, (byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        out.writeBytes(b);
        return out.toByteArray();
    }

    static List<Piece> read(byte[]... frames) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.writeBytes(f);
        }
        InputStream body = new ByteArrayInputStream(all.toByteArray());
        DockerHttpClient http = new DockerHttpClient() {
            @Override
            public Response execute(Request request) {
                assertThat(request.path()).endsWith("/containers/c1/attach?stream=1&stdout=1&stderr=1&logs=0");
                return new Response() {
                    @Override
                    public int getStatusCode() {
                        return 200;
                    }

                    @Override
                    public Map<String, List<String>> getHeaders() {
                        return Map.of();
                    }

                    @Override
                    public InputStream getBody() {
                        return body;
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public void close() {
            }
        };
        List<Piece> got = new CopyOnWriteArrayList<>();
        try (Attached a = Attached.open(new DockerApi(http), "c1", (s, b) -> got.add(new Piece(s, new String(b, StandardCharsets.UTF_8))),
                Duration.ofSeconds(5))) {
            assertThat(a.drain()).isTrue();
        }
        return got;
    }

    @Test
    void framesArriveInOrderOnTheirStreamsWhateverTheirSize() throws Exception {
        String big = "x".repeat(200_000);
        List<Piece> got = read(frame(1, "out\n"), frame(2, "err\n"), frame(1, big));
        assertThat(got.subList(0, 2)).containsExactly(new Piece(1, "out\n"), new Piece(2, "err\n"));
        assertThat(got.subList(2, got.size())).allMatch(p -> p.stream() == 1);
        assertThat(got.subList(2, got.size()).stream().map(Piece::text).reduce("", String::concat)).isEqualTo(big);
    }

    @Test
    void theDaemonsOwnErrorIsNamedAsTheDaemonsAndNeverAsTheAgentsOutput() throws Exception {
        assertThat(read(frame(1, "a"), frame(3, "no such container"))).containsExactly(new Piece(1, "a"),
                new Piece(2, "agent-sandbox: the Docker daemon reported: no such container\n"));
    }

    @Test
    void aStreamNotInFramesOrCutInsideAFrameSaysSoAndShowsNothingMore() throws Exception {
        assertThat(read(frame(1, "a"), frame(0, "stdin?"), frame(1, "hidden"))).extracting(Piece::text)
                .containsExactly("a", "agent-sandbox: the output stream is not in the Engine API's frames (stream 0); the rest is not shown\n");
        byte[] cut = java.util.Arrays.copyOf(frame(1, "abcdef"), 10);
        assertThat(read(frame(2, "e"), cut)).extracting(Piece::text).containsExactly("e", "ab",
                "agent-sandbox: the output stream broke: the stream ended inside a frame; the rest is not shown\n");
        assertThat(read(new byte[] {1, 0, 0})).extracting(Piece::text).singleElement().asString().contains("the output stream broke");
    }
}
