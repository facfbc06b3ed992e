package dev.agentsandbox.proxy.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.error.RefusedException;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * The CI's OIDC token, read fresh each time the cloud credentials are renewed: from a variable (GitLab's
 * {@code id_tokens:}), a file (a Jenkins credential), or requested from GitHub Actions for the audience
 * ({@code ACTIONS_ID_TOKEN_REQUEST_URL}, which {@code permissions: id-token: write} gives the job). The
 * token itself is never written anywhere; only what it says about the job (its subject) is recorded.
 */
public final class CiToken {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the token comes from, described for messages and the record (never the token). */
    private final String source;
    private final Source read;

    @FunctionalInterface
    private interface Source {
        String token() throws IOException, InterruptedException, RefusedException;
    }

    private CiToken(String source, Source read) {
        this.source = source;
        this.read = read;
    }

    public String source() {
        return source;
    }

    /** The token source the settings and the host give, or a usage error saying what to set. */
    public static CiToken of(String tokenEnv, String tokenFile, String audience, Map<String, String> env) throws UsageException {
        if (tokenEnv != null) {
            return new CiToken("the variable " + tokenEnv, () -> {
                String v = env.get(tokenEnv);
                if (v == null || v.isBlank()) {
                    throw new RefusedException("the CI token variable " + tokenEnv + " is not set (GitLab: id_tokens: { " + tokenEnv + ": { aud: "
                            + audience + " } } in the job)");
                }
                return v.strip();
            });
        }
        if (tokenFile != null) {
            if (!Path.of(tokenFile).isAbsolute()) {
                throw new UsageException("the CI token file " + tokenFile + " must be an absolute path (where the CI wrote the credential)");
            }
            return new CiToken("the file " + tokenFile, () -> {
                Path f = Path.of(tokenFile);
                if (Files.size(f) > 64 * 1024) {
                    throw new RefusedException("the CI token file " + tokenFile + " is larger than a token (64 KiB)");
                }
                return Files.readString(f).strip();
            });
        }
        String url = env.get("ACTIONS_ID_TOKEN_REQUEST_URL");
        String bearer = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        if (url == null || bearer == null) {
            throw new UsageException("role-arn needs the CI's OIDC token: on GitHub give the job permissions: id-token: write"
                    + " (ACTIONS_ID_TOKEN_REQUEST_URL is not set); elsewhere name it with token-env or token-file");
        }
        return new CiToken("GitHub Actions' OIDC token", () -> github(url, bearer, audience));
    }

    public String token() throws IOException, InterruptedException, RefusedException {
        String t = read.token();
        if (t.isEmpty() || t.chars().anyMatch(c -> c <= 0x20 || c > 0x7e)) {
            throw new RefusedException("the CI token from " + source + " is empty or not a JWT");
        }
        return t;
    }

    /** The token for libraries that take a plain supplier: failures become unchecked exceptions carrying the reason. */
    public java.util.function.Supplier<String> unchecked() {
        return () -> {
            try {
                return token();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the CI token", e);
            } catch (RefusedException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        };
    }

    private static String github(String url, String bearer, String audience) throws IOException, InterruptedException, RefusedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create(url + (url.contains("?") ? "&" : "?") + "audience=" + URLEncoder.encode(audience, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer)
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new RefusedException("GitHub refused the OIDC token request (HTTP " + r.statusCode() + "); does the job have permissions:"
                    + " id-token: write?");
        }
        JsonNode value = JSON.readTree(r.body()).path("value");
        if (!value.isTextual()) {
            throw new RefusedException("GitHub's OIDC token answer has no value");
        }
        return value.asText();
    }

    /** The token's subject and audience as it states them (read, not verified: the cloud verifies it), for the record. */
    public static Map<String, String> claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return Map.of();
        }
        try {
            JsonNode c = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            JsonNode aud = c.path("aud");
            return Map.of("subject", c.path("sub").asText(""), "audience", aud.isArray() ? aud.toString() : aud.asText(""),
                    "issuer", c.path("iss").asText(""));
        } catch (IOException | IllegalArgumentException e) {
            return Map.of();
        }
    }
}
