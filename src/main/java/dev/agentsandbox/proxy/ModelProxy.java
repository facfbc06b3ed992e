package dev.agentsandbox.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The model-API egress proxy, on the host side of the sandbox (seed 001's credential-injecting
 * sidecar). It listens on a Unix socket that is mounted into the sandbox, forwards only to
 * allow-listed upstreams, strips whatever credential the client sent and injects the real key
 * itself, streams responses through unbuffered, and counts requests and tokens against the run's
 * limits. The key never reaches the sandbox: not in a header, a body or an error.
 */
public final class ModelProxy implements AutoCloseable {
    public static final String SOCKET = "proxy.sock";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HEADER_BYTES = 32 * 1024;
    private static final int MAX_HEADERS = 100;
    private static final long DRAIN_SECONDS = 5;
    private static final long MAX_DRAIN_BYTES = 64L << 20;
    private static final Set<String> DROPPED = Set.of("authorization", "x-api-key", "api-key", "proxy-authorization", "cookie",
            "host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length", "proxy-connection",
            "accept-encoding", "expect");
    private static final Set<String> DROPPED_RESPONSE = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
            "set-cookie", "content-encoding");

    private final ProxyConfig config;
    private final Map<String, Upstream> upstreams;
    private final ProxyListener listener;
    private final ServerSocketChannel server;
    private final Path socket;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> daemon(r, "agent-sandbox-proxy"));
    private final Thread acceptor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicBoolean overBudget = new AtomicBoolean();
    private final AtomicBoolean overSpend = new AtomicBoolean();
    private final java.math.BigDecimal[] spent = {java.math.BigDecimal.ZERO};
    private volatile LocalService local;

    /** The tool's own API in the sandbox ({@code /agent-sandbox/...}): served on the host, never forwarded. */
    public interface LocalService {
        /** The JSON answer to a POST of {@code path} (after /agent-sandbox) with {@code body}; may block. */
        byte[] post(String path, byte[] body) throws IOException;
    }

    /** The provider name under which the local service answers. */
    public static final String LOCAL = "agent-sandbox";

    public void serve(LocalService service) {
        this.local = service;
    }

    private record Upstream(ProxyConfig.Upstream config, URI base, String key) {
        @Override
        public String toString() {
            return "Upstream[" + config.provider() + " " + base + "]"; // never the key
        }
    }

    private ModelProxy(ProxyConfig config, Map<String, Upstream> upstreams, ProxyListener listener, ServerSocketChannel server, Path socket) {
        this.config = config;
        this.upstreams = upstreams;
        this.listener = listener;
        this.server = server;
        this.socket = socket;
        this.acceptor = daemon(this::acceptLoop, "agent-sandbox-proxy-accept");
        acceptor.start();
    }

    /**
     * Starts the proxy on {@code folder/proxy.sock}. Keys are read now, on the host, from the
     * environment or files the configuration names; a missing key fails here, naming where it
     * was looked for and never showing a value.
     */
    public static ModelProxy start(ProxyConfig config, Path folder, Map<String, String> env, ProxyListener listener) throws UsageException {
        Map<String, Upstream> ups = new LinkedHashMap<>();
        for (ProxyConfig.Upstream u : config.upstreams()) {
            for (String prefix : u.pathPrefixes()) {
                if (Target.prefixSegments(prefix) == null) {
                    throw new UsageException("proxy upstream '" + u.provider() + "': path-prefixes entry '" + prefix
                            + "' is not a plain absolute path (like /v1/messages: no %, ;, //, . or .. segments, no query)");
                }
            }
            ups.put(u.provider(), new Upstream(u, URI.create(u.url().replaceAll("/+$", "")), key(u, env)));
        }
        try {
            Path socket = folder.resolve(SOCKET);
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            // uid 65534 in the sandbox connects to it; the folder is private to the run.
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            return new ModelProxy(config, ups, listener, server, socket);
        } catch (IOException e) {
            throw new UsageException("cannot start the model proxy in " + folder + ": " + e.getMessage(), e);
        }
    }

    private static String key(ProxyConfig.Upstream u, Map<String, String> env) throws UsageException {
        if (u.keyEnv() != null && env.get(u.keyEnv()) != null && !env.get(u.keyEnv()).isBlank()) {
            return env.get(u.keyEnv()).strip();
        }
        if (u.keyFile() != null) {
            try {
                return Files.readString(Path.of(u.keyFile())).strip();
            } catch (IOException e) {
                throw new UsageException("proxy upstream '" + u.provider() + "': cannot read key-file " + u.keyFile() + ": " + e.getMessage());
            }
        }
        if (u.keyEnv() == null) {
            return null;
        }
        throw new UsageException("proxy upstream '" + u.provider() + "': the environment variable " + u.keyEnv()
                + " is not set on the host (the key stays on the host; the agent never sees it)");
    }

    public Path socket() {
        return socket;
    }

    /** The keys this proxy holds, so that anything written by the run can be redacted of them. */
    public List<String> keys() {
        return upstreams.values().stream().map(Upstream::key).filter(k -> k != null && k.length() >= 8).toList();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                workers.execute(() -> handle(c));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(SocketChannel channel) {
        long t0 = System.nanoTime();
        try (channel; InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
             OutputStream out = Channels.newOutputStream(channel)) {
            Request req;
            try {
                req = Request.read(in, config.maxRequestBytes());
            } catch (Request.TooLarge e) {
                refuse(out, 413, "request-size", e.getMessage(), null, t0, "?", "?");
                drain(channel, in);
                return;
            } catch (IOException e) {
                refuse(out, 400, "malformed", "malformed HTTP request: " + e.getMessage(), null, t0, "?", "?");
                drain(channel, in);
                return;
            }
            if (req.method().equals("CONNECT")) {
                tunnel(req, channel, in, out, t0);
                return;
            }
            forward(req, out, t0);
        } catch (IOException e) {
            // The client went away mid-response: nothing to answer.
        }
    }

    /**
     * CONNECT to an allow-listed package registry ({@code proxy.registries}: exact host:port): the proxy
     * resolves and connects on the host and pipes the bytes (TLS end to end, never read), and audits
     * the host, the bytes and the duration. Anything else is refused: no other host resolves or connects.
     */
    private void tunnel(Request req, SocketChannel channel, InputStream in, OutputStream out, long t0) throws IOException {
        String target = req.target().toLowerCase(Locale.ROOT);
        if (config.registries().stream().noneMatch(r -> r.toLowerCase(Locale.ROOT).equals(target))) {
            refuse(out, 403, "registry", "CONNECT to " + target + " is not allowed (proxy.registries allows: "
                    + (config.registries().isEmpty() ? "none" : String.join(", ", config.registries())) + ")", req, t0, "registry", target);
            return;
        }
        if (requests.incrementAndGet() > config.maxRequests()) {
            refuse(out, 429, "max-requests", "the run made its " + config.maxRequests() + " requests (proxy.max-requests)", req, t0, "registry", target);
            return;
        }
        int colon = target.lastIndexOf(':');
        java.net.Socket upstream = new java.net.Socket();
        try {
            upstream.connect(new java.net.InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), 10_000);
        } catch (IOException e) {
            upstream.close();
            refuse(out, 502, "registry-unreachable", "the registry " + target + " did not answer", req, t0, "registry", target);
            return;
        }
        long[] bytes = new long[2];
        try (upstream) {
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The channel itself, not its stream adapters: those share one lock between reading and writing,
            // and a TLS handshake needs both at once.
            Thread back = daemon(() -> bytes[1] = pumpToChannel(uncheck(upstream), channel), "agent-sandbox-tunnel");
            back.start();
            bytes[0] = pumpFromChannel(in, channel, upstream.getOutputStream());
            upstream.shutdownOutput();
            back.join(TUNNEL_CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            listener.onRequest(new ProxyEvent("CONNECT", "registry", target.substring(0, colon), target, 200, bytes[0], bytes[1],
                    (System.nanoTime() - t0) / 1_000_000, null, 0, 0, null, null));
        }
    }

    /** How long the registry's side may still send after the agent closed its side. */
    private static final long TUNNEL_CLOSE_MILLIS = 30_000;

    private static InputStream uncheck(java.net.Socket s) {
        try {
            return s.getInputStream();
        } catch (IOException e) {
            return InputStream.nullInputStream();
        }
    }

    /** Client to registry: what the request's reader had buffered, then the channel until it ends. */
    private static long pumpFromChannel(InputStream buffered, SocketChannel from, OutputStream to) {
        long n = 0;
        try {
            int ahead = buffered.available();
            if (ahead > 0) {
                byte[] b = buffered.readNBytes(ahead);
                to.write(b);
                n += b.length;
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(16 * 1024);
            for (int r; (r = from.read(buf)) > 0; buf.clear()) {
                to.write(buf.array(), 0, r);
                to.flush();
                n += r;
            }
        } catch (IOException e) {
            // one side closed: the tunnel ends
        }
        return n;
    }

    /** Registry to client, until the registry closes. */
    private static long pumpToChannel(InputStream from, SocketChannel to) {
        byte[] buf = new byte[16 * 1024];
        long n = 0;
        try {
            for (int r; (r = from.read(buf)) > 0; ) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, r);
                while (b.hasRemaining()) {
                    to.write(b);
                }
                n += r;
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the tunnel ends
        }
        return n;
    }

    /**
     * After an early answer, as HTTP servers do: the client may still be sending what was refused,
     * so the proxy half-closes and reads it away (bounded in bytes and time) before it closes, and
     * the client reads the answer instead of a broken pipe.
     */
    private static void drain(SocketChannel channel, InputStream in) {
        var closer = java.util.concurrent.CompletableFuture.delayedExecutor(DRAIN_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        java.util.concurrent.CompletableFuture<Void> deadline = java.util.concurrent.CompletableFuture.runAsync(() -> { }, closer)
                .thenRun(() -> {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closed already
                    }
                });
        try {
            channel.shutdownOutput();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            for (int n; total < MAX_DRAIN_BYTES && (n = in.read(buf)) > 0; ) {
                total += n;
            }
        } catch (IOException e) {
            // the client closed, or the deadline did
        } finally {
            deadline.cancel(false);
        }
    }

    private void forward(Request req, OutputStream out, long t0) throws IOException {
        Target target;
        try {
            target = Target.parse(req.target());
        } catch (Target.Ambiguous e) {
            refuse(out, 400, "ambiguous-path", "path refused: " + e.getMessage(), req, t0, "?", req.target());
            return;
        }
        String provider = target.provider();
        String rest = target.rest();
        if (provider.equals(LOCAL) && local != null) {
            if (!req.method().equals("POST") || !rest.equals("/v1/checkpoints")) {
                refuse(out, 404, "local-path", "the agent-sandbox API has only POST /v1/checkpoints", req, t0, provider, rest);
                return;
            }
            byte[] answer = local.post(rest, req.body());
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + answer.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(answer);
            out.flush();
            return;
        }
        Upstream up = upstreams.get(provider);
        if (up == null) {
            refuse(out, 403, "unknown-upstream", "no upstream '" + provider + "' is configured (proxy.upstreams allows: "
                    + String.join(", ", upstreams.keySet()) + ")", req, t0, provider, rest);
            return;
        }
        ProxyConfig.Upstream u = up.config();
        if (req.headers().containsKey("upgrade")) {
            // The proxy relays HTTP only (every response is metered and scrubbed). 426 is the answer clients
            // such as Codex take as "use plain HTTP" at once; a 403 makes them retry the upgrade for seconds.
            refuse(out, 426, "upgrade", "the agent-sandbox proxy does not relay " + req.headers().get("upgrade")
                    + " upgrades; send the request over plain HTTP", req, t0, provider, rest);
            return;
        }
        if (!u.methods().contains(req.method())) {
            refuse(out, 403, "method", "method " + req.method() + " is not allowed for " + provider + " (allowed: " + u.methods() + ")", req, t0, provider, rest);
            return;
        }
        // Whole segments: /v1/messages allows /v1/messages/count_tokens, never /v1/messages_other.
        if (!u.pathPrefixes().isEmpty() && u.pathPrefixes().stream().map(Target::prefixSegments).noneMatch(p -> p != null && target.restStartsWith(p))) {
            refuse(out, 403, "path", "path " + rest + " is not allowed for " + provider + " (allowed: " + u.pathPrefixes() + ")", req, t0, provider, rest);
            return;
        }
        if (overBudget.get()) {
            refuse(out, 429, "token-budget", "the run used its token budget of " + config.tokenBudget(), req, t0, provider, rest);
            return;
        }
        if (overSpend.get()) {
            refuse(out, 429, "spend-cap", "the run spent its cap of " + config.spend().cap() + " " + config.spend().currency(), req, t0, provider, rest);
            return;
        }
        if (config.spend() != null && config.spend().price(model(req)) == null) {
            // Without a price the cap cannot be kept: refused, never let through uncounted.
            refuse(out, 403, "no-price", "model " + model(req) + " has no price in proxy.spend.prices (add it, or a \"*\" row),"
                    + " so the spend cap cannot be kept", req, t0, provider, rest);
            return;
        }
        if (requests.incrementAndGet() > config.maxRequests()) {
            refuse(out, 429, "max-requests", "the run made its " + config.maxRequests() + " requests (proxy.max-requests)", req, t0, provider, rest);
            return;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(up.base() + target.withQuery(rest))).timeout(Duration.ofMinutes(10))
                .method(req.method(), req.body().length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(req.body()));
        for (Map.Entry<String, String> h : req.headers().entrySet()) {
            if (!DROPPED.contains(h.getKey())) {
                b.header(h.getKey(), h.getValue());
            }
        }
        if (up.key() != null) {
            if (provider.equals("anthropic")) {
                b.header("x-api-key", up.key());
            } else {
                b.header("Authorization", "Bearer " + up.key());
            }
        }
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            refuse(out, 502, "upstream-unreachable", "the upstream of " + provider + " did not answer", req, t0, provider, rest);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        String contentType = resp.headers().firstValue("content-type").orElse(null);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(resp.statusCode()).append(' ').append(reason(resp.statusCode())).append("\r\n");
        resp.headers().map().forEach((k, vs) -> {
            if (!DROPPED_RESPONSE.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                for (String v : vs) {
                    if (up.key() == null || !v.contains(up.key())) {
                        head.append(k).append(": ").append(v.replaceAll("[\r\n]", " ")).append("\r\n");
                    }
                }
            }
        });
        head.append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        UsageMeter meter = new UsageMeter(contentType);
        KeyScrubber scrubber = new KeyScrubber(up.key()); // an upstream echoing the key never hands it to the agent
        long bytesOut = 0;
        try (InputStream body = resp.body()) {
            byte[] buf = new byte[8192];
            int n;
            // Each read is written and flushed at once: server-sent events arrive as they are sent.
            while ((n = body.read(buf)) > 0) {
                meter.accept(buf, n);
                bytesOut += chunk(out, scrubber.accept(buf, n));
            }
            bytesOut += chunk(out, scrubber.finish());
        }
        // Counted before the response ends: a client that sends its next request as soon as this one
        // is complete finds the budget already spent. (Requests sent in parallel are each counted when
        // they end; max-requests bounds them.)
        meter.finish();
        long used = tokens.addAndGet(meter.input() + meter.output());
        // A body too large to read its usage from is not let through uncounted: with a budget, it ends the run.
        boolean unknown = config.tokenBudget() > 0 && meter.truncated();
        boolean exceeded = config.tokenBudget() > 0 && (used > config.tokenBudget() || unknown) && overBudget.compareAndSet(false, true);
        String spendExceeded = spend(model(req), meter);
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        listener.onRequest(new ProxyEvent(req.method(), provider, up.base().getHost(), rest, resp.statusCode(), req.body().length, bytesOut,
                (System.nanoTime() - t0) / 1_000_000, model(req), meter.input(), meter.output(), null, meter.toolCalls()));
        if (exceeded) {
            listener.onBudgetExceeded(unknown ? "a response was too large to read its token usage from (over 1 MB of JSON), so the"
                    + " budget of " + config.tokenBudget() + " tokens cannot be kept (proxy.token-budget)"
                    : "the run used " + used + " tokens, over its budget of " + config.tokenBudget() + " (proxy.token-budget)");
        }
        if (spendExceeded != null) {
            listener.onBudgetExceeded(spendExceeded);
        }
    }

    /** Adds a request's cost to the run's spend; the reason to stop when it reached the cap (once), else null. */
    private String spend(String model, UsageMeter meter) {
        ProxyConfig.Spend s = config.spend();
        if (s == null) {
            return null;
        }
        java.math.BigDecimal total;
        synchronized (spent) {
            total = spent[0] = spent[0].add(s.cost(s.price(model), meter.input(), meter.output()));
        }
        boolean unknown = meter.truncated();
        if ((total.compareTo(s.cap()) >= 0 || unknown) && overSpend.compareAndSet(false, true)) {
            return unknown ? "a response was too large to read its usage from, so the spend cap of " + s.cap() + " " + s.currency()
                    + " cannot be kept (proxy.spend)" : "the run spent " + total.stripTrailingZeros().toPlainString() + " " + s.currency()
                    + ", reaching its cap of " + s.cap().toPlainString() + " " + s.currency() + " (proxy.spend)";
        }
        return null;
    }

    /** What the run's model requests cost so far, in the spend table's currency (zero without one). */
    public java.math.BigDecimal spent() {
        synchronized (spent) {
            return spent[0];
        }
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

    private void refuse(OutputStream out, int status, String rule, String message, Request req, long t0, String provider, String path)
            throws IOException {
        byte[] body = JSON.writeValueAsBytes(Map.of("type", "error", "error", Map.of("type", "agent_sandbox_refused", "rule", rule, "message", message)));
        out.write(("HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        listener.onRequest(new ProxyEvent(req == null ? "?" : req.method(), provider, null, path, status, req == null ? 0 : req.body().length,
                body.length, (System.nanoTime() - t0) / 1_000_000, req == null ? null : model(req), 0, 0, rule, null));
    }

    private static String model(Request req) {
        if (req.body().length == 0 || req.body()[0] != '{') {
            return null;
        }
        try {
            return JSON.readTree(req.body()).path("model").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static String reason(int status) {
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

    public long requestCount() {
        return requests.get();
    }

    public long tokensUsed() {
        return tokens.get();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Already closed.
        }
        workers.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // The run's scratch folder is removed anyway.
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A strictly parsed HTTP/1.1 request with a Content-Length body (or none). */
    record Request(String method, String target, Map<String, String> headers, byte[] body) {
        static final class TooLarge extends IOException {
            TooLarge(String m) {
                super(m);
            }
        }

        static Request read(InputStream in, long maxBody) throws IOException {
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
                headers.put(l.substring(0, c).strip().toLowerCase(Locale.ROOT), l.substring(c + 1).strip());
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
            byte[] body = in.readNBytes((int) len);
            if (body.length != len) {
                throw new IOException("the body ended early");
            }
            return new Request(parts[0], parts[1], headers, body);
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
}
