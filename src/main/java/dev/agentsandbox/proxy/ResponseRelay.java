package dev.agentsandbox.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An upstream's answer passed to the agent as it arrives: headers without hop-by-hop ones or any
 * that quote a secret, the body chunk by chunk, metered and scrubbed of the upstream's secrets.
 */
final class ResponseRelay {
    private static final Set<String> DROPPED_RESPONSE = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
            "set-cookie", "content-encoding");

    /** What was sent to the agent, and what the accounting said once the answer was read. */
    record Relayed(long bytesOut, List<String> stop) {
    }

    private ResponseRelay() {
    }

    /**
     * Relays the answer. {@code account} runs once the upstream's answer is read whole, before its
     * last chunk reaches the agent, so that a request the agent sends after it is already judged.
     */
    static Relayed relay(HttpResponse<InputStream> resp, OutputStream out, List<String> secrets, UsageMeter meter, Supplier<List<String>> account)
            throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(resp.statusCode()).append(' ').append(reason(resp.statusCode())).append("\r\n");
        resp.headers().map().forEach((k, vs) -> {
            if (!DROPPED_RESPONSE.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                for (String v : vs) {
                    if (secrets.stream().noneMatch(v::contains)) {
                        head.append(k).append(": ").append(v.replaceAll("[\r\n]", " ")).append("\r\n");
                    }
                }
            }
        });
        head.append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        KeyScrubber scrubber = new KeyScrubber(secrets); // an upstream echoing a secret never hands it to the agent
        long bytesOut = 0;
        boolean clientGone = false;
        try (InputStream body = resp.body()) {
            byte[] buf = new byte[8192];
            int n;
            // Each read is written and flushed at once: server-sent events arrive as they are sent. A client that
            // closes early does not stop the metering: the upstream spends the whole answer, which is read to its end.
            while ((n = body.read(buf)) > 0) {
                byte[] scrubbed = scrubber.accept(buf, n);
                meter.accept(scrubbed, scrubbed.length); // scrubbed first: tool calls go into the audit log
                if (!clientGone) {
                    try {
                        bytesOut += chunk(out, scrubbed);
                    } catch (IOException e) {
                        clientGone = true;
                    }
                }
            }
            byte[] rest = scrubber.finish();
            meter.accept(rest, rest.length);
            if (!clientGone) {
                try {
                    bytesOut += chunk(out, rest);
                } catch (IOException e) {
                    clientGone = true;
                }
            }
        }
        meter.finish();
        List<String> stop = account.get();
        if (!clientGone) {
            try {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                // the agent closed early; the answer was metered all the same
            }
        }
        return new Relayed(bytesOut, stop);
    }

    private static int chunk(OutputStream out, byte[] bytes) throws IOException {
        if (bytes.length > 0) {
            out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        return bytes.length;
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 413 -> "Payload Too Large";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            default -> "Status";
        };
    }
}
