package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A strictly parsed HTTP/1.1 request with a Content-Length body (or none). */
record ProxyRequest(String method, String target, Map<String, String> headers, byte[] body) {
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HEADER_BYTES = 32 * 1024;
    private static final int MAX_HEADERS = 100;

    /** The model a JSON body names, or null (read on each call: callers keep it). */
    String model() {
        if (body.length == 0 || body[0] != '{') {
            return null;
        }
        try {
            return JSON.readTree(body).path("model").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    static final class TooLarge extends IOException {
        TooLarge(String m) {
            super(m);
        }
    }

    /** No room for the body in the proxy's budget: answered 503 (see {@link BodyBudget}). */
    static final class NoRoom extends IOException {
        NoRoom(String m) {
            super(m);
        }
    }

    /**
     * Reads one request; its body's length is reserved in {@code budget} first (the caller releases
     * {@code body().length} once the request is done; on a failure here nothing stays reserved).
     */
    static ProxyRequest read(InputStream in, long maxBody, BodyBudget budget) throws IOException {
        String requestLine = line(in);
        String[] parts = requestLine.split(" ");
        boolean connect = parts.length == 3 && parts[0].equals("CONNECT") && parts[1].matches("[A-Za-z0-9.-]{1,253}:\\d{1,5}");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.") || !parts[0].matches("[A-Z]{3,10}") || !(parts[1].startsWith("/") || connect)) {
            throw new IOException("bad request line");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int total = requestLine.length();
        String l;
        while (!(l = line(in)).isEmpty()) {
            total += l.length();
            int c = l.indexOf(':');
            if (c <= 0 || headers.size() >= MAX_HEADERS || total > MAX_HEADER_BYTES) {
                throw new IOException("bad or too many headers");
            }
            String name = l.substring(0, c).strip();
            String value = l.substring(c + 1).strip();
            // a header the upstream request could not carry is the request's fault, answered 400, never an error on the host's console
            if (!TOKEN.matcher(name).matches() || value.chars().anyMatch(ch -> ch != '\t' && (ch < 0x20 || ch > 0x7e))) {
                throw new IOException("a header name or value outside printable ASCII");
            }
            headers.put(name.toLowerCase(Locale.ROOT), value);
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new IOException("chunked request bodies are not accepted; send Content-Length");
        }
        long len;
        try {
            len = headers.containsKey("content-length") ? Long.parseLong(headers.get("content-length")) : 0;
        } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length");
        }
        if (len > maxBody) {
            throw new TooLarge("the request body of " + len + " bytes is over the limit of " + maxBody + " (proxy.max-request-size)");
        }
        if (len < 0) {
            throw new IOException("negative Content-Length");
        }
        try {
            if (!budget.reserve(len, 5_000)) {
                throw new NoRoom("the proxy holds " + (budget.bytes() >> 20) + " MiB of request bodies already: try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        boolean read = false;
        try {
            byte[] body = new byte[(int) len]; // the exact size: no copies of a growing buffer
            if (in.readNBytes(body, 0, body.length) != len) {
                throw new IOException("the body ended early");
            }
            read = true;
            return new ProxyRequest(parts[0], parts[1], headers, body);
        } finally {
            if (!read) {
                budget.release(len);
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (b.size() > MAX_HEADER_BYTES) {
                throw new IOException("line too long");
            }
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            throw new IOException("connection closed");
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
