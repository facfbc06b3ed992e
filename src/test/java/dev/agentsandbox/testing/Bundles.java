package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Assertions over a run bundle. */
public final class Bundles {
    private Bundles() {
    }

    /** No file of the bundle contains the text (a secret value, usually). */
    public static void assertNowhere(Path bundle, String text) throws IOException {
        try (var files = Files.walk(bundle)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as(f.toString()).doesNotContain(text);
            }
        }
    }

    public static JsonNode runJson(Path bundle) throws IOException {
        return new ObjectMapper().readTree(bundle.resolve("run.json").toFile());
    }

    public static String headCommit(Path bundle) throws IOException {
        return runJson(bundle).get("headCommit").asText();
    }
}
