package dev.agentsandbox.proxy;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.io.BufferedInputStream;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The model-API egress proxy, on the host side of the sandbox (seed 001's credential-injecting
 * sidecar). It listens on a Unix socket that is mounted into the sandbox, forwards only to
 * allow-listed upstreams, strips whatever credential the client sent and injects the real key
 * itself, streams responses through unbuffered, and counts requests and tokens against the run's
 * limits. The key never reaches the sandbox: not in a header, a body or an error.
 */
public final class ModelProxy implements AutoCloseable {
    public static final String SOCKET = "proxy.sock";

    private final ProxyConfig config;
    private final Map<String, ProviderAuth.Upstream> upstreams;
    private final EgressPolicy policy;
    private final ProxyListener listener;
    private final ServerSocketChannel server;
    private final Path socket;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> daemon(r, "agent-sandbox-proxy"));
    private final Thread acceptor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
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

    private ModelProxy(ProxyConfig config, Map<String, ProviderAuth.Upstream> upstreams, ProxyListener listener, ServerSocketChannel server,
                       Path socket) {
        this.config = config;
        this.bodies = BodyBudget.forMaxBody(config.maxRequestBytes());
        this.upstreams = upstreams;
        this.policy = new EgressPolicy(config, upstreams);
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
    public static ModelProxy start(ProxyConfig config, Path folder, Map<String, String> env, ProxyListener listener)
            throws dev.agentsandbox.error.AgentSandboxException {
        Map<String, ProviderAuth.Upstream> ups = ProviderAuth.upstreams(config, env, folder);
        try {
            KeyCheck.require(ups, env);
        } catch (dev.agentsandbox.error.AgentSandboxException | RuntimeException e) {
            ups.values().forEach(ProviderAuth.Upstream::close);
            throw e;
        }
        try {
            Path socket = folder.resolve(SOCKET);
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            // uid 65534 in the sandbox connects to it; the folder is private to the run.
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            ModelProxy proxy = new ModelProxy(config, ups, listener, server, socket);
            proxy.keys(); // the starting keys, read once now rather than on the first line of output
            return proxy;
        } catch (IOException e) {
            throw new UsageException("cannot start the model proxy in " + folder + ": " + e.getMessage(), e);
        }
    }

    public Path socket() {
        return socket;
    }

    /** The credentials renewed during the run that signed a request (cloud tokens, session keys): redacted as the keys are. */
    private final java.util.Set<String> renewed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile List<String> started;

    /**
     * The keys this proxy holds, so that anything written by the run can be redacted of them: those
     * it started with, and every credential renewed since that signed a request.
     */
    public List<String> keys() {
        if (started == null) {
            started = ProviderAuth.keys(upstreams);
        }
        if (renewed.isEmpty()) {
            return started;
        }
        List<String> all = new java.util.ArrayList<>(started);
        renewed.stream().filter(k -> !all.contains(k)).forEach(all::add);
        return all;
    }

    /** Connections served at once: each holds a host thread and its request, which the sandbox's limits do not count. */
    public static final int MAX_CONNECTIONS = 32;
    /** How long a request may take to arrive whole: a half-sent one is dropped, never held. */
    public static final long REQUEST_SECONDS = 30;
    private final java.util.concurrent.Semaphore connections = new java.util.concurrent.Semaphore(MAX_CONNECTIONS);
    private final BodyBudget bodies;
    private final java.util.concurrent.atomic.AtomicLong refusedConnections = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong droppedRequests = new java.util.concurrent.atomic.AtomicLong();

    /**
     * What the agent did to the proxy beyond its limits: connections refused while
     * {@value #MAX_CONNECTIONS} were open, and requests dropped for not arriving whole within
     * {@value #REQUEST_SECONDS} s (empty when neither happened).
     */
    public Map<String, Long> overLimits() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        if (refusedConnections.get() > 0) {
            m.put("refusedConnections", refusedConnections.get());
        }
        if (droppedRequests.get() > 0) {
            m.put("droppedRequests", droppedRequests.get());
        }
        return m;
    }
    private final java.util.concurrent.ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "agent-sandbox-proxy-timeout"));

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                if (!connections.tryAcquire()) {
                    refusedConnections.incrementAndGet();
                    // answered at once and closed: thousands of idle connections cost no thread and no memory
                    try (c) {
                        c.write(java.nio.ByteBuffer.wrap(("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
                                + "X-Agent-Sandbox-Refused: connections\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
                    } catch (IOException ignored) {
                        // gone already
                    }
                    continue;
                }
                try {
                    workers.execute(() -> {
                        try {
                            handle(c);
                        } finally {
                            connections.release();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    connections.release();
                    c.close();
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(SocketChannel channel) {
        long t0 = System.nanoTime();
        try (channel; InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
             OutputStream out = Channels.newOutputStream(channel)) {
            ProxyRequest req;
            var dropSlow = timeouts.schedule(() -> {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closed already
                }
            }, REQUEST_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            try {
                req = ProxyRequest.read(in, config.maxRequestBytes(), bodies);
                dropSlow.cancel(false);
            } catch (ProxyRequest.NoRoom e) {
                dropSlow.cancel(false);
                refusedConnections.incrementAndGet();
                refuse(out, new EgressPolicy.Refusal(503, "connections", e.getMessage()), null, null, t0, "?", "?");
                return;
            } catch (ProxyRequest.TooLarge e) {
                dropSlow.cancel(false);
                refuse(out, new EgressPolicy.Refusal(413, "request-size", e.getMessage()), null, null, t0, "?", "?");
                EarlyAnswer.drain(channel, in);
                return;
            } catch (IOException e) {
                dropSlow.cancel(false);
                if (!channel.isOpen()) {
                    droppedRequests.incrementAndGet();
                    return; // dropped for arriving too slowly
                }
                refuse(out, new EgressPolicy.Refusal(400, "malformed", "malformed HTTP request: " + e.getMessage()), null, null, t0, "?", "?");
                EarlyAnswer.drain(channel, in);
                return;
            }
            try {
                if (req.method().equals("CONNECT")) {
                    RegistryTunnel.serve(req, channel, in, out, t0, policy, listener);
                    return;
                }
                forward(req, out, t0);
            } finally {
                bodies.release(req.body().length);
            }
        } catch (IOException e) {
            // The client went away mid-response: nothing to answer.
        }
    }

    private void forward(ProxyRequest req, OutputStream out, long t0) throws IOException {
        Target target;
        try {
            target = Target.parse(req.target());
        } catch (Target.Ambiguous e) {
            refuse(out, new EgressPolicy.Refusal(400, "ambiguous-path", "path refused: " + e.getMessage()), req, null, t0, "?", req.target());
            return;
        }
        String provider = target.provider();
        String rest = target.rest();
        ProviderAuth.Upstream named = policy.upstream(provider);
        boolean cloud = named != null && (named.aws() != null || named.gcp() != null || named.azure() != null || provider.equals("azure"));
        // a cloud bills the model its path names, whatever the body says: the price is looked up the same way
        String model = cloud && target.pathModel() != null ? target.pathModel() : cloud && provider.equals("azure") ? req.model()
                : req.model() != null ? req.model() : target.pathModel();
        if (provider.equals(LOCAL) && local != null) {
            if (!req.method().equals("POST") || !rest.equals("/v1/checkpoints")) {
                refuse(out, new EgressPolicy.Refusal(404, "local-path", "the agent-sandbox API has only POST /v1/checkpoints"), req, model, t0,
                        provider, rest);
                return;
            }
            byte[] answer = local.post(rest, req.body());
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + answer.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(answer);
            out.flush();
            return;
        }
        EgressPolicy.Refusal no = policy.forward(req, target, model);
        if (no != null) {
            refuse(out, no, req, model, t0, provider, rest);
            return;
        }
        ProviderAuth.Upstream up = policy.upstream(provider);
        byte[] sent = ServerSide.withoutServerTools(ServerSide.Api.of(target, up.config()), UsageMeter.withStreamUsage(rest, req.body()));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(up.base() + target.withQuery(rest))).timeout(Duration.ofMinutes(10))
                .method(req.method(), sent.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(sent));
        Map<String, String> sentHeaders = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> h : req.headers().entrySet()) {
            if (!ProviderAuth.DROPPED.contains(h.getKey()) && !up.sets(h.getKey())) {
                b.header(h.getKey(), h.getValue());
                sentHeaders.put(h.getKey(), h.getValue());
            }
        }
        List<String> signedWith;
        try {
            signedWith = up.authenticate(b, req.method(), URI.create(up.base() + target.withQuery(rest)), sentHeaders, sent);
            signedWith.stream().filter(k -> k != null && k.length() >= 8).forEach(renewed::add); // redacted from now on
        } catch (RuntimeException e) {
            // no credentials now (a renewal refused): the request is refused and audited, never sent unsigned
            // the agent learns only that it failed; the library's text may name endpoints and identities
            refuse(out, new EgressPolicy.Refusal(502, "signing-failed", "the proxy could not authenticate the request to " + provider
                    + " (its cloud credentials could not be renewed)"), req, model, t0, provider, rest);
            return;
        }
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            refuse(out, new EgressPolicy.Refusal(502, "upstream-unreachable", "the upstream of " + provider + " did not answer"), req, model, t0,
                    provider, rest);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        UsageMeter meter = new UsageMeter(resp.headers().firstValue("content-type").orElse(null));
        // Counted before the response ends (requests sent in parallel are each counted when they end; max-requests bounds them).
        List<String> scrub = new java.util.ArrayList<>(up.secrets());
        scrub.addAll(signedWith); // the credentials that signed this very request, even across a renewal
        ResponseRelay.Relayed relayed = ResponseRelay.relay(resp, out, scrub, meter, () -> policy.account(model, meter));
        listener.onRequest(new ProxyEvent(req.method(), provider, up.base().getHost(), rest, resp.statusCode(), req.body().length,
                relayed.bytesOut(), (System.nanoTime() - t0) / 1_000_000, model, meter.input(), meter.output(), null, meter.toolCalls()));
        relayed.stop().forEach(listener::onBudgetExceeded);
    }

    /** What the run's model requests cost so far, in the spend table's currency (zero without one). */
    public java.math.BigDecimal spent() {
        return policy.spent();
    }

    private void refuse(OutputStream out, EgressPolicy.Refusal no, ProxyRequest req, String model, long t0, String provider, String path)
            throws IOException {
        Refusals.send(listener, out, no, req, model, t0, provider, path);
    }

    public long requestCount() {
        return policy.requests();
    }

    public long tokensUsed() {
        return policy.tokens();
    }

    /**
     * Stops taking connections, then lets the requests in flight finish recording what they did (an
     * agent may end as soon as it has its last answer, before its handler recorded it): the
     * sandbox is gone by now, so their connections are closed and they end at once.
     */
    public void drain() {
        try {
            server.close();
        } catch (IOException e) {
            // Already closed.
        }
        workers.shutdown();
        try {
            workers.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Who the proxy signs as, per signed upstream (role, token subject and audience, key id), for the run's record; never a secret. */
    public Map<String, Map<String, String>> identities() {
        Map<String, Map<String, String>> out = new java.util.LinkedHashMap<>();
        upstreams.forEach((name, up) -> {
            if (up.aws() != null) {
                out.put(name, up.aws().identity());
            } else if (up.gcp() != null) {
                out.put(name, up.gcp().identity());
            } else if (up.azure() != null) {
                out.put(name, up.azure().identity());
            }
        });
        return out;
    }

    @Override
    public void close() {
        drain();
        workers.shutdownNow();
        timeouts.shutdownNow();
        upstreams.values().forEach(ProviderAuth.Upstream::close);
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
}
